"""Model-based annotations: CLIP image-text similarity and assignment, image score heads, document classifiers.

Every step here is optional and needs the ``models`` extra (``pip install 'omniweave[models]'``).
A step without configured weights stops the run when the recipe is validated or the steps are
built, naming the missing setting; no step ever writes a score it did not compute.
"""
