# C declarations for decode.py in the compiled build (setup.py); the .py stays the only source.
cimport cython
from libc.string cimport memcpy

@cython.locals(i=Py_ssize_t, count=Py_ssize_t, word=cython.ulonglong, c=cython.uchar, low=cython.uchar,
               high=cython.uchar, more=int, k=int)
cdef Py_ssize_t utf8_chars(const unsigned char *data, Py_ssize_t length, bint refuse_replacement) noexcept nogil
