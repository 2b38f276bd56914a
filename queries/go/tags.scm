; Symbols for the workspace index (capture contract: queries/rust/tags.scm). A package is a
; folder: its files share one module path (the module of go.mod, then the folders).

(function_declaration name: (identifier) @def.function) @item
(method_declaration name: (field_identifier) @def.function) @item
(type_declaration (type_spec name: (type_identifier) @def.struct)) @item

; Calls: in the package, and through an imported package (`ops.Recreate()`).
(call_expression function: (identifier) @ref.call)
(call_expression
  function: (selector_expression
    operand: (identifier)
    field: (field_identifier) @ref.call) @ref.path)

; Functions passed by name to what serves them (`http.HandleFunc("/", handler)`,
; `lambda.Start(handler)`).
(call_expression
  function: (selector_expression field: (field_identifier) @_f)
  arguments: (argument_list (identifier) @ref.call)
  (#any-of? @_f "HandleFunc" "Handle" "Start" "StartWithOptions" "Go"))

(parameter_declaration name: (identifier) @local) @param
