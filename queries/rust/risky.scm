; Candidate calls for the risky-operation rules, found in one pass over the file.
; The capture names are the contract with server/src/analysis.rs:
;   @method_call  recv.@method(@args)         method calls, fluent chains
;   @path_call    @path(@args)                function and associated-function calls
;   @macro_call   @path!(@args)               macros (SQL in sqlx::query!)
;   @use          the argument of a `use` declaration (imports resolve paths)

(call_expression
  function: (field_expression
    value: (_) @recv
    field: (field_identifier) @method)
  arguments: (arguments) @args) @method_call

(call_expression
  function: (generic_function
    function: (field_expression
      value: (_) @recv
      field: (field_identifier) @method))
  arguments: (arguments) @args) @method_call

(call_expression
  function: [(identifier) (scoped_identifier)] @path
  arguments: (arguments) @args) @path_call

(call_expression
  function: (generic_function
    function: [(identifier) (scoped_identifier)] @path)
  arguments: (arguments) @args) @path_call

(macro_invocation
  macro: [(identifier) (scoped_identifier)] @path
  (token_tree) @args) @macro_call

(use_declaration
  argument: (_) @use)
