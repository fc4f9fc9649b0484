// @ID@ benchmark: baseline, reference and student in one process.
#include <labkit/harness.hpp>

#include <memory>
#include <string>
#include <vector>

#include "@NS@.hpp"

int main(int argc, char** argv) {
  labkit::Harness h("@ID@", argc, argv);
  h.set_baseline("scale", "naive");
  using Fn = void (*)(float, const float*, float*, std::size_t);
  const struct {
    const char* name;
    labkit::Role role;
    Fn fn;
  } impls[] = {{"naive", labkit::Role::baseline, @NS@::reference::scale_naive},
               {"reference", labkit::Role::reference, @NS@::reference::scale},
               {"student", labkit::Role::student, @NS@::student::scale}};
  for (const std::int64_t size : h.sizes({65536}, {100})) {
    const auto n = static_cast<std::size_t>(size);
    auto x = std::make_shared<std::vector<float>>(n, 2.0f);
    auto y = std::make_shared<std::vector<float>>(n);
    for (const auto& impl : impls) {
      const Fn fn = impl.fn;
      h.add("scale", size, impl.name, impl.role, {1.0 * size, 8.0 * size},
            [=] {
              fn(3.0f, x->data(), y->data(), n);
              labkit::clobber_memory();
            },
            [=]() -> std::string {
              std::vector<float> out(n);
              fn(3.0f, x->data(), out.data(), n);
              for (std::size_t i = 0; i < n; ++i)
                if (out[i] != 6.0f) return "y[" + std::to_string(i) + "] = " + std::to_string(out[i]) + ", expected 6";
              return "";
            });
    }
  }
  return h.run();
}
