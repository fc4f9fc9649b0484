// oneDNN's int8 matmul (u8 x s8 -> s32) as a peer baseline: compiled only
// when CMake finds oneDNN (Debian: libdnnl-dev). One thread, like every other
// row of the benchmark; the weights are reordered into oneDNN's preferred
// layout once, outside the timed call (our packed kernels get the same).
#include <dnnl.hpp>

#if defined(QUANT_HAVE_OPENMP)
#include <omp.h>
#endif

#include <memory>
#include <string>

#include "onednn_baseline.hpp"

namespace quant::bench {

struct OnednnMatmul {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul prim;
  dnnl::memory a, b, c;
};

std::shared_ptr<OnednnMatmul> onednn_make(int M, int N, int K, const std::int8_t* B) {
#if defined(QUANT_HAVE_OPENMP)
  omp_set_num_threads(1);  // oneDNN runs on OpenMP here: one thread, as the rest of the bench
#endif
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  auto m = std::make_shared<OnednnMatmul>();
  const dnnl::memory::desc a_md({M, K}, dt::u8, tag::ab);
  const dnnl::memory::desc b_any({K, N}, dt::s8, tag::any);
  const dnnl::memory::desc c_md({M, N}, dt::s32, tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, c_md), m->engine);
  m->prim = dnnl::matmul(pd);
  m->a = dnnl::memory(a_md, m->engine, DNNL_MEMORY_NONE);
  m->c = dnnl::memory(c_md, m->engine, DNNL_MEMORY_NONE);
  dnnl::memory b_user({{K, N}, dt::s8, tag::ab}, m->engine, const_cast<std::int8_t*>(B));
  m->b = dnnl::memory(pd.weights_desc(), m->engine);
  dnnl::reorder(b_user, m->b).execute(m->stream, b_user, m->b);
  m->stream.wait();
  return m;
}

void onednn_run(OnednnMatmul& m, const std::uint8_t* A, std::int32_t* C) {
  m.a.set_data_handle(const_cast<std::uint8_t*>(A));
  m.c.set_data_handle(C);
  m.prim.execute(m.stream, {{DNNL_ARG_SRC, m.a}, {DNNL_ARG_WEIGHTS, m.b}, {DNNL_ARG_DST, m.c}});
  m.stream.wait();
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace quant::bench
