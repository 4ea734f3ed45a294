# C types for walk.py's node reads in the compiled build (setup.py); the .py stays the only source.
# A node handle is a size_t: the node's address, read with lexbor's functions that dom_table binds.
cimport cython
cimport omniweave.extract.dom_table as dom_table

cdef size_t _handle(node, dict made)
cdef size_t _kept(node, dict made)
cdef size_t _first_child(size_t node, dict made)
cdef size_t _next(size_t node, dict made)
cdef size_t _parent(size_t node, dict made)
cdef size_t _tag_id(size_t node, dict made)
cdef _node(size_t node, parser, dict made)
@cython.locals(at="char *", data="const char *")
cdef str _text(size_t node, dict made)
@cython.locals(at="char *", data="const unsigned char *", length=size_t, i=size_t, byte="unsigned char", text=str)
cdef bint _blank(size_t node, dict made)

@cython.locals(attr="void *", name="const unsigned char *", value="const unsigned char *", length=size_t)
cdef bint _script_link(size_t node, parser, dict made)
