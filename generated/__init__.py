"""The compiled modules of tableaus/, written by `tabc compile`: do not edit."""
