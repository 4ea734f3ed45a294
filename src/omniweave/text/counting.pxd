# C types for counting.py's loops in the compiled build (setup.py); the .py stays the only source.
cimport cython
from libc.stdint cimport int64_t, uint8_t, uint64_t  # (memoryview types are spelled as C types)

cdef class Table:
    cdef public int shift
    cdef public uint64_t mask
    cdef public unsigned long long[::1] keys
    cdef public long long[::1] counts, firsts, used, slots

@cython.locals(keys="unsigned long long[::1]", counts="long long[::1]", firsts="long long[::1]", used="long long[::1]",
               slots="long long[::1]", data="const unsigned long long[::1]", shift=cython.int, mask=uint64_t,
               multiplier=uint64_t, spread=uint64_t, key=uint64_t, slot=uint64_t, distinct=Py_ssize_t,
               i=Py_ssize_t, k=Py_ssize_t)
cdef Py_ssize_t _fill(Table table, items, Py_ssize_t start, Py_ssize_t length, Py_ssize_t n)

@cython.locals(counts="long long[::1]", used="long long[::1]", j=Py_ssize_t)
cdef void _clear(Table table, Py_ssize_t distinct)

@cython.locals(root=Py_ssize_t)
cdef Py_ssize_t _isqrt(Py_ssize_t value)

@cython.locals(words=Py_ssize_t, windows=Py_ssize_t, table=Table, distinct=Py_ssize_t, counts="long long[::1]",
               firsts="long long[::1]", used="long long[::1]", slots="long long[::1]", size="const long long[::1]",
               top=int64_t, top_start=int64_t, j=Py_ssize_t, i=Py_ssize_t, w=Py_ssize_t, repeated=int64_t,
               chars=int64_t, reach=Py_ssize_t)
cpdef tuple ngram_counts(hashes, lengths, Py_ssize_t n)

@cython.locals(table=Table, out="double[::1]", sizes="const long long[::1]", grams="long long[::1]",
               used="long long[::1]", start=Py_ssize_t, t=Py_ssize_t, j=Py_ssize_t, distinct=Py_ssize_t,
               repeated=double)
cpdef word_repetition_each(hashes, counts, Py_ssize_t n)

@cython.locals(longest=Py_ssize_t, table=Table, bits="const unsigned char[::1]", ones="long long[::1]",
               twos="long long[::1]", out="double[::1]", points="unsigned long long[::1]", freqs="long long[::1]",
               grams="long long[::1]", used="long long[::1]", last=Py_ssize_t, t=Py_ssize_t, text=str,
               length=Py_ssize_t, ch=Py_UCS4, point=Py_ssize_t, flag=uint8_t, distinct=Py_ssize_t,
               repeated=Py_ssize_t, most=int64_t, j=Py_ssize_t, count=int64_t, take=int64_t, total=double)
cpdef tuple char_measures(list texts, classes, Py_ssize_t n)

@cython.locals(out="long long[::1]", size="long long[::1]", i=Py_ssize_t, word=str)
cpdef tuple word_numbers(words)

@cython.locals(chars=Py_ssize_t, alpha=Py_ssize_t, word=str, ch=Py_UCS4)
cpdef tuple word_shape(words)

@cython.locals(n=Py_ssize_t, word=str, ch=Py_UCS4, cased=bint)
cpdef Py_ssize_t listed_count(words, frozenset listed, frozenset forms)
