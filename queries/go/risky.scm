; Candidate calls for the risky-operation rules, found in one pass over the file (capture names:
; see queries/python/risky.scm). `pkg.F(..)` is both a method of `pkg` and the function `F` of
; the package imported as `pkg`.

(call_expression
  function: (selector_expression
    operand: (_) @recv
    field: (field_identifier) @method)
  arguments: (argument_list) @args) @method_call

(call_expression
  function: [(identifier) (selector_expression)] @path
  arguments: (argument_list) @args) @path_call

(import_declaration) @use
