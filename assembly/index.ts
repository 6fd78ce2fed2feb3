// Every kernel the host may call; src/wasm/kernels.ts lists their signatures.
export * from "./runtime";
export * from "./elementwise";
