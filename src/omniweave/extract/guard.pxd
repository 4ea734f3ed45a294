# C declarations for guard.py in the compiled build (setup.py); the .py stays the only source.
from libc.string cimport memchr
