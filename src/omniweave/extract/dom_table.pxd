# C types for dom_table.py's walks in the compiled build (setup.py); the .py stays the only source.
# lexbor's functions are declared as lexbor's headers declare them (opaque pointers), and selectolax's
# node constructor as its lexbor.pxd does (LexborNode.new: node pointer and parser in, node out).
cimport cython
from libc.stdint cimport uintptr_t
from omniweave.io.decode cimport utf8_chars
ctypedef unsigned int uint

ctypedef void *(*NodeStep)(void *) noexcept nogil
ctypedef uintptr_t (*NodeTagId)(void *) noexcept nogil
ctypedef int (*NodeType)(void *) noexcept nogil
ctypedef const unsigned char *(*AttrString)(void *, size_t *) noexcept nogil
ctypedef void *(*AttrByName)(void *, const unsigned char *, size_t) noexcept nogil
ctypedef object (*NodeNew)(void *, object)

cdef NodeStep _first_child, _next, _parent, _first_attribute, _next_attribute
cdef NodeTagId _tag_id
cdef NodeType _node_type
cdef AttrString _local_name, _qualified_name, _value
cdef AttrByName _attr_by_name
cdef NodeNew _new_node
cdef bint _native, _bound

@cython.locals(step="void *")
cdef void *_following(void *node, void *root) noexcept nogil

cdef str _text(const unsigned char *data, size_t length)

@cython.locals(out=dict, length=size_t, attr="void *", name="const unsigned char *", value="const unsigned char *")
cdef dict _attributes(void *element)

@cython.locals(found=uint, i=Py_ssize_t, record="const unsigned char *")
cdef uint _tests_of_name(const unsigned char *name, size_t length, const unsigned char *records, size_t width,
                         Py_ssize_t count) noexcept nogil

@cython.locals(length=size_t, size=size_t, attr="void *", key=uintptr_t, slot=size_t, tests=uint, i=Py_ssize_t,
               record="const unsigned char *", name="const unsigned char *", value="const unsigned char *",
               needle="const unsigned char *")
cdef bint _passes(void *element, const unsigned char *records, size_t width, Py_ssize_t count, uintptr_t *ids,
                  uint *tests_of_id, size_t *filled) noexcept nogil

@cython.locals(i=size_t)
cdef bint _same(const unsigned char *a, const unsigned char *b, size_t size) noexcept nogil

@cython.locals(start=size_t, i=size_t, c=int)
cdef bint _holds_folded(const unsigned char *text, size_t length, const unsigned char *needle,
                        size_t size) noexcept nogil

@cython.locals(wanted=bytearray, table="const unsigned char *", tag_id=uintptr_t, top="void *", node="void *",
               encoded=bytes, width=size_t, records="const unsigned char *", count=Py_ssize_t, id_table=bytearray,
               tests_table=bytearray, ids="uintptr_t *", tests_of_id="uint *", filled=size_t, tagged=list,
               attributed=list)
cdef tuple _native_tagged_and_attributed(root, tag_ids, tests)

@cython.locals(found_class="void *", found_id="void *", value="const unsigned char *", length=size_t, label=str)
cdef str _label(void *element)

cdef bint _is_named(void *element) noexcept

cdef size_t _key_bit(size_t key) noexcept nogil

@cython.locals(out=list, bits=bytearray, bit=size_t, table="const unsigned char *", top="void *", node="void *")
cdef list _native_named_nodes_among(root, keys)

@cython.locals(top="void *", node="void *", ascii_only=bint, data="const unsigned char *", length=size_t, i=size_t,
               c=int)
cdef int _native_holds_own_text(element)

@cython.locals(total=size_t)
cdef size_t _text_bytes(void *node, void *root, bint deep, size_t enough) noexcept nogil

@cython.locals(kinds=bytearray, table="const unsigned char *", tag_id=uintptr_t, kind=int, top="void *",
               node="void *", out=list)
cdef list _native_texted(root, deep_ids, own_ids, size_t deep_min, size_t own_min)

cdef int _ELEMENT, _TEXT
cdef size_t _MAX_TAG_ID, _TEXT_LENGTH_AT, _TEXT_DATA_AT, _LOCAL_NAME_AT, _KEY_BITS, _NAME_SLOTS, _WORD_SLOTS
cdef int _PRESENT, _EQUALS
cdef uint _READ, _OUTSIDE

@cython.locals(i=size_t, c=int)
cdef bint _same_folded(const unsigned char *text, const unsigned char *lower, size_t size) noexcept nogil

@cython.locals(flags=uint, found=size_t, run=size_t, i=size_t, c=int, slot=size_t, p=Py_ssize_t, start=Py_ssize_t,
               record="const unsigned char *")
cdef uint _value_flags(const unsigned char *value, size_t length, const unsigned char *table, size_t width,
                       const unsigned char *phrases, size_t phrase_width, Py_ssize_t phrase_count) noexcept nogil

@cython.locals(table="const unsigned char *", phrases="const unsigned char *", width=size_t, phrase_width=size_t,
               phrase_count=Py_ssize_t, keys=list, flags=list, labels=list, length=size_t, top="void *",
               node="void *", attr="void *", value="const unsigned char *", found=uint, name=int)
cdef object _native_named_flags(root, words)

@cython.locals(table="const unsigned char *", tag_id=uintptr_t, top="void *", node="void *", out=list)
cdef list _native_tagged(root, bytes tag_table, Py_ssize_t most)

@cython.locals(top="void *", node="void *", total=Py_ssize_t, chars=Py_ssize_t, data="const unsigned char *")
cdef Py_ssize_t _native_text_length(element)
