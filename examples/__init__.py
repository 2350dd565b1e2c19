"""The example rule projects, shipped with segl so `segl demo` can run them."""
