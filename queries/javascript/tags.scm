; Symbols for the workspace index (capture contract: queries/rust/tags.scm), shared by
; JavaScript, TypeScript and TSX: functions, methods, and functions bound to a name.

(function_declaration name: (identifier) @def.function) @item
(method_definition name: (property_identifier) @def.function) @item
(variable_declarator
  name: (identifier) @def.function
  value: [(arrow_function) (function_expression)]) @item

; Calls: plain, and through an imported module (`ops.recreate()`).
(call_expression function: (identifier) @ref.call)
(call_expression
  function: (member_expression
    object: (identifier) @_module
    property: (property_identifier) @ref.call) @ref.path
  (#not-eq? @_module "this"))

; Functions passed to what serves them (`app.get("/x", handler)`, `router.post(..)`).
(call_expression
  function: (member_expression property: (property_identifier) @_verb)
  arguments: (arguments (identifier) @ref.call)
  (#any-of? @_verb "get" "post" "put" "delete" "patch" "use" "all" "handler"))
