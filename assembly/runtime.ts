// The host owns the one linear memory and allocates everything above the
// module's static data; this tells it where that data ends.
export function heap_base(): usize {
  return __heap_base;
}
