# C types for paras.py's character count loop in the compiled build (setup.py); the .py stays the only source.
cimport cython

@cython.locals(i=Py_ssize_t, b=Py_ssize_t, width=Py_ssize_t, entries=Py_ssize_t, text=str, ch=Py_UCS4,
               code=cython.uint, found=Py_ssize_t, n=cython.int, lookup="const unsigned char[:]",
               counts="int[:, ::1]", tally="int[::1]", astral=list)
cpdef list _count_bits(list texts, object table, object out)

@cython.locals(n=Py_ssize_t, word=str, out=list)
cpdef list _short_word_counts(list word_lists)
