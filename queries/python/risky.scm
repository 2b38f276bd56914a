; Candidate calls for the risky-operation rules, found in one pass over the file.
; The capture names are the contract with server/languages/src/analysis:
;   @method_call  recv.@method(@args)    calls on a value (an SDK client, a path, a cursor)
;   @path_call    @path(@args)           calls of a function by name or module path
;   @use          an import statement    (imports resolve paths: `import shutil as sh`)
; A call `a.b(..)` is both: a method of `a`, and the function `b` of module `a`.

(call
  function: (attribute
    object: (_) @recv
    attribute: (identifier) @method)
  arguments: (argument_list) @args) @method_call

(call
  function: [(identifier) (attribute)] @path
  arguments: (argument_list) @args) @path_call

[(import_statement) (import_from_statement)] @use
