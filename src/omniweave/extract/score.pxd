# C types for score.py's paragraph loop in the compiled build (setup.py); the .py stays the only source.
cimport cython
cimport omniweave.extract.dom_table as dom_table
from omniweave.extract.walk cimport handle_of, node_of, parent_of, tag_id_of

@cython.locals(out=list, top="void *", here="void *", a_id=size_t)
cpdef list _anchors_in(node)

@cython.locals(count=Py_ssize_t, comma=str)
cpdef Py_ssize_t _commas(str text)
