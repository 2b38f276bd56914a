; Symbols for the workspace index (server/core/src/index/): definitions and references.
; Capture names are the contract: @def.<kind> names a definition whose item is @item;
; @ref.call / @ref.method / @ref.macro / @ref.type name a reference; @ref.path is the whole path
; of a qualified reference (its qualifier tells which definition is meant); @recv is a method
; call's receiver; @import is what a `use` brings in.

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

; Scopes, by byte range: inline modules and impl blocks give definitions their path.
(mod_item name: (identifier) @scope.mod body: (declaration_list) @scope.body)
(impl_item type: (_) @scope.impl body: (declaration_list) @scope.body)
(trait_item name: (type_identifier) @scope.trait body: (declaration_list) @scope.body)

; Calls: plain, qualified and generic.
(call_expression function: (identifier) @ref.call)
(call_expression function: (scoped_identifier name: (identifier) @ref.call) @ref.path)
(call_expression function: (generic_function function: (identifier) @ref.call))
(call_expression function: (generic_function function: (scoped_identifier name: (identifier) @ref.call) @ref.path))

; Method calls.
(call_expression function: (field_expression value: (_) @recv field: (field_identifier) @ref.method))
(call_expression function: (generic_function function: (field_expression value: (_) @recv field: (field_identifier) @ref.method)))

; Functions passed as values by path (`iter.map(deploy::purge)`). A bare identifier argument is
; far more often a variable than a function: not indexed, to keep the index fast.
(arguments (scoped_identifier name: (identifier) @ref.call) @ref.path)

; Macros and types.
(macro_invocation macro: (identifier) @ref.macro)
(macro_invocation macro: (scoped_identifier name: (identifier) @ref.macro) @ref.path)
(type_identifier) @ref.type

; Imports (`use a::b as c`), wherever they are: the names they bring in resolve references.
(use_declaration argument: (_) @import)

; Local bindings: a name bound here is not a reference to an item, and a typed binding tells a
; method call's receiver type.
(let_declaration pattern: (identifier) @local) @let
(parameter pattern: (identifier) @local) @param
(closure_parameters (identifier) @local)
