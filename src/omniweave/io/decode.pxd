# C declarations for decode.py in the compiled build (setup.py); the .py stays the only source.
from libc.string cimport memcpy
