; Symbols for the workspace index (server/src/index.rs): definitions and references.
; Capture names are the contract: @def.<kind> names a definition whose item is @item;
; @ref.call / @ref.method / @ref.macro / @ref.type name a reference; @ref.path is the whole path
; of a qualified reference (its qualifier tells which definition is meant); @recv is a method
; call's receiver.

(function_item name: (identifier) @def.function) @item
(function_signature_item name: (identifier) @def.function) @item
(struct_item name: (type_identifier) @def.struct) @item
(enum_item name: (type_identifier) @def.enum) @item
(union_item name: (type_identifier) @def.struct) @item
(trait_item name: (type_identifier) @def.trait) @item
(type_item name: (type_identifier) @def.type) @item
(const_item name: (identifier) @def.const) @item
(static_item name: (identifier) @def.static) @item
(macro_definition name: (identifier) @def.macro) @item
(mod_item name: (identifier) @def.module) @item

; Calls: plain, qualified and generic.
(call_expression function: (identifier) @ref.call)
(call_expression function: (scoped_identifier name: (identifier) @ref.call) @ref.path)
(call_expression function: (generic_function function: (identifier) @ref.call))
(call_expression function: (generic_function function: (scoped_identifier name: (identifier) @ref.call) @ref.path))

; Method calls.
(call_expression function: (field_expression value: (_) @recv field: (field_identifier) @ref.method))
(call_expression function: (generic_function function: (field_expression value: (_) @recv field: (field_identifier) @ref.method)))

; Functions passed as values (`iter.map(deploy::purge)`), paths to consts and statics.
(arguments (scoped_identifier name: (identifier) @ref.call) @ref.path)
(arguments (identifier) @ref.value)

; Macros and types.
(macro_invocation macro: (identifier) @ref.macro)
(macro_invocation macro: (scoped_identifier name: (identifier) @ref.macro) @ref.path)
(type_identifier) @ref.type
