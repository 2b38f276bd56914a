; Candidate calls for the risky-operation rules, for JavaScript, TypeScript and TSX (capture
; names: see queries/python/risky.scm). `new XCommand(..)` is a path call of the class: the AWS
; SDK v3 names each operation by its command class.

(call_expression
  function: (member_expression
    object: (_) @recv
    property: (property_identifier) @method)
  arguments: (arguments) @args) @method_call

(call_expression
  function: [(identifier) (member_expression)] @path
  arguments: (arguments) @args) @path_call

(new_expression
  constructor: [(identifier) (member_expression)] @path
  arguments: (arguments) @args) @path_call

(import_statement) @use
(variable_declarator
  value: (call_expression function: (identifier) @_require)
  (#eq? @_require "require")) @use
