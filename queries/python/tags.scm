; Symbols for the workspace index: definitions and references (see queries/rust/tags.scm for
; the capture contract). Classes are the scopes of their methods.

(function_definition name: (identifier) @def.function) @item
(class_definition name: (identifier) @def.struct) @item
(class_definition name: (identifier) @scope.impl body: (block) @scope.body)

; Calls: plain, and through a module (`ops.recreate()`, `pkg.ops.recreate()`).
(call function: (identifier) @ref.call)
(call
  function: (attribute
    object: (identifier) @_module
    attribute: (identifier) @ref.call) @ref.path
  (#not-eq? @_module "self"))
(call
  function: (attribute
    object: (attribute)
    attribute: (identifier) @ref.call) @ref.path)

; Methods on the instance.
(call
  function: (attribute
    object: (identifier) @recv
    attribute: (identifier) @ref.method)
  (#eq? @recv "self"))

; Classes named as bases. (A bare name passed as an argument is far more often a variable than a
; function: not indexed.)
(class_definition superclasses: (argument_list (identifier) @ref.type))

; Parameters are local names, not references to definitions.
(parameters (identifier) @local)
(typed_parameter (identifier) @local) @param
(default_parameter name: (identifier) @local)
(typed_default_parameter name: (identifier) @local) @param
