# C types for walk.py's node reads in the compiled build (setup.py); the .py stays the only source.
# A node handle is a size_t: the node's address, read with lexbor's functions that dom_table binds.
cimport cython
cimport omniweave.extract.dom_table as dom_table

cdef size_t handle_of(node, dict made)
cdef size_t _kept(node, dict made)
cdef size_t first_child_of(size_t node, dict made)
cdef size_t next_of(size_t node, dict made)
cdef size_t parent_of(size_t node, dict made)
cdef size_t tag_id_of(size_t node, dict made)
cdef node_of(size_t node, parser, dict made)
@cython.locals(at="char *", data="const char *")
cdef str _text(size_t node, dict made)
@cython.locals(at="char *", data="const unsigned char *", length=size_t, i=size_t, byte="unsigned char", text=str)
cdef bint _blank(size_t node, dict made)

@cython.locals(attr="void *", name="const unsigned char *", value="const unsigned char *", length=size_t)
cdef bint _script_link(size_t node, parser, dict made)

@cython.locals(after_space=bint, ch=Py_UCS4)
cdef str _collapse(str text)

@cython.locals(raw=bytes, out=bytearray, data="const unsigned char *", buf="unsigned char *", size=Py_ssize_t,
               space=bint, i=Py_ssize_t, byte="unsigned char")
cdef str _ascii_collapsed(str text)
