# C types for words.py's character loop in the compiled build (setup.py); the .py stays the only source.
cimport cython

@cython.locals(i=Py_ssize_t, start=Py_ssize_t, joint=Py_ssize_t, ch=Py_UCS4, out=list)
cpdef tuple _alnum_words(str text)
