"""The `yinling` command line."""
