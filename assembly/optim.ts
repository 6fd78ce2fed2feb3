// (kernels land here)
