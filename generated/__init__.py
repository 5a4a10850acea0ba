"""The compiled modules of tableaus/, written by `tabc compile`: do not edit.

Imported as ``tableau_compiler.generated.<name>``: see tableau_compiler/generated/.
"""
