// Every kernel the host may call; src/wasm/kernels.ts lists their signatures.
export * from "./runtime";
export * from "./gemm";
export * from "./elementwise";
export * from "./activations";
export * from "./losses";
export * from "./optim";
export * from "./random";
export * from "./reduce";
export * from "./linalg";
export * from "./conv";
export * from "./batchnorm";
export * from "./pool";
export * from "./noise";
export * from "./regularizers";
export * from "./variational";
export * from "./apps";
export * from "./checksum";
