# C types for langid_trie.py's loops in the compiled build (setup.py); the .py stays the only source.
cimport cython

cdef extern from *:
    """
    #define _prefetch(address) __builtin_prefetch(address)
    """
    void _prefetch(const void *address) noexcept nogil

cdef Py_ssize_t _AHEAD

@cython.locals(n=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, at=Py_ssize_t, distinct=Py_ssize_t, limit=Py_ssize_t,
               node=cython.int, child=cython.int, feat=cython.int, longest=cython.int, root=cython.int,
               b="const int[:]", c="const int[:]", f="const int[:]", text="const unsigned char[:]",
               state="int[:]", first="int[:]", count="int[:]")
cpdef tuple feature_counts(base, check, feature, bytes data, depth, tally)

@cython.locals(n=Py_ssize_t, width=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, row=Py_ssize_t,
               value=cython.uint, rebase=cython.uint, ahead=Py_ssize_t,
               source="const unsigned short[:, ::1]", index="const int[:]", target="unsigned int[:, ::1]")
cpdef widened_rows(bits, rows, out)
