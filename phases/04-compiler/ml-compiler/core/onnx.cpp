// The graph IR's helpers, ONNX in and out through a small protobuf
// wire-format reader and writer, and NumPy .npy files.
//
// Protobuf in one paragraph: a message is a sequence of fields, each a key
// varint (field_number << 3 | wire_type) then the value. Wire types: 0
// varint (int32/int64/enum, 7 bits a byte, low group first), 1 fixed 64-bit,
// 2 length-delimited (a varint length, then bytes: strings, nested messages,
// packed repeated numbers), 5 fixed 32-bit (float). Unknown fields are
// skipped by their wire type, which is what lets old readers read new files.
// The field numbers below are onnx.proto's (onnx/onnx.proto, IR version 8).
#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "ml_compiler.hpp"

namespace ml_compiler {

std::int64_t numel(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::int64_t Node::attr_i(const std::string& k, std::int64_t fb) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? fb : it->second.i;
}
float Node::attr_f(const std::string& k, float fb) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? fb : it->second.f;
}
std::string Node::attr_s(const std::string& k, const std::string& fb) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? fb : it->second.s;
}
std::vector<std::int64_t> Node::attr_ints(const std::string& k, std::vector<std::int64_t> fb) const {
  auto it = attrs.find(k);
  return it == attrs.end() ? fb : it->second.ints;
}
void Node::set_i(const std::string& k, std::int64_t v) {
  Attr a;
  a.kind = Attr::kInt;
  a.i = v;
  attrs[k] = a;
}
void Node::set_s(const std::string& k, std::string v) {
  Attr a;
  a.kind = Attr::kString;
  a.s = std::move(v);
  attrs[k] = a;
}
void Node::set_ints(const std::string& k, std::vector<std::int64_t> v) {
  Attr a;
  a.kind = Attr::kInts;
  a.ints = std::move(v);
  attrs[k] = a;
}

const Node* Graph::producer(const std::string& v) const {
  for (const Node& n : nodes)
    for (const auto& o : n.outputs)
      if (o == v) return &n;
  return nullptr;
}

std::map<std::string, int> Graph::use_counts() const {
  std::map<std::string, int> c;
  for (const Node& n : nodes)
    for (const auto& i : n.inputs)
      if (!i.empty()) ++c[i];
  for (const auto& o : outputs) ++c[o.name];
  return c;
}

std::string Graph::fresh_name(const std::string& base) const {
  std::set<std::string> used;
  for (const Node& n : nodes) {
    used.insert(n.outputs.begin(), n.outputs.end());
    used.insert(n.name);
  }
  for (const auto& [k, v] : initializers) used.insert(k);
  for (const auto& i : inputs) used.insert(i.name);
  if (!used.count(base)) return base;
  for (int i = 1;; ++i)
    if (!used.count(base + "_" + std::to_string(i))) return base + "_" + std::to_string(i);
}

bool Graph::has_input(const std::string& name) const {
  for (const auto& in : inputs)
    if (in.name == name) return true;
  return false;
}

std::string Graph::input_names() const {
  std::string names;
  for (const auto& in : inputs) names += (names.empty() ? "" : ", ") + in.name;
  return names;
}

const std::vector<std::string>& supported_ops() {
  static const std::vector<std::string> ops = {
      "Add", "BatchNormalization", "Constant", "Conv", "Div", "Flatten", "Gather", "Gemm", "Identity",
      "LayerNormalization", "MatMul", "MaxPool", "Mul", "Pow", "ReduceMean", "Relu", "Reshape", "Softmax",
      "Sqrt", "Sub", "Tanh", "Transpose"};
  return ops;
}

void check_supported(const Graph& g) {
  const auto& ops = supported_ops();
  for (const Node& n : g.nodes)
    if (std::find(ops.begin(), ops.end(), n.op) == ops.end()) {
      std::string list;
      for (const auto& o : ops) list += (list.empty() ? "" : ", ") + o;
      throw InputError("unsupported ONNX op '" + n.op + "' in node '" + n.name + "' (graph '" + g.name +
                       "'); supported: " + list +
                       ". Fix: export the model without it (decompose it into these ops), or add it to "
                       "core/interpreter.cpp, core/passes.cpp (shapes) and core/codegen.cpp");
    }
}

// ---------------------------------------------------------------------------
namespace {

class Reader {
 public:
  Reader(std::string_view b, const std::string& file, std::size_t base = 0) : b_(b), file_(file), base_(base) {}
  bool done() const { return p_ >= b_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file_ + ": not a valid ONNX (protobuf) file: " + what + " at byte " +
                     std::to_string(base_ + p_) +
                     ". Fix: pass a .onnx model file (onnx.save / torch.onnx.export / mlc-export write one)");
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= b_.size()) fail("truncated varint");
      const auto c = static_cast<unsigned char>(b_[p_++]);
      v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    fail("varint longer than 10 bytes");
  }
  // A field's key; returns false at the end.
  bool key(int& field, int& wire) {
    if (done()) return false;
    const std::uint64_t k = varint();
    field = static_cast<int>(k >> 3);
    wire = static_cast<int>(k & 7);
    if (field == 0) fail("field number 0");
    return true;
  }
  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > b_.size() - p_) fail("length " + std::to_string(n) + " runs past the end");
    auto v = b_.substr(p_, n);
    p_ += n;
    return v;
  }
  Reader sub() {
    auto v = bytes();
    return Reader(v, file_, base_ + p_ - v.size());
  }
  std::uint32_t fixed32() {
    if (b_.size() - p_ < 4) fail("truncated fixed32");
    std::uint32_t v;
    std::memcpy(&v, b_.data() + p_, 4);
    p_ += 4;
    return v;
  }
  std::uint64_t fixed64() {
    if (b_.size() - p_ < 8) fail("truncated fixed64");
    std::uint64_t v;
    std::memcpy(&v, b_.data() + p_, 8);
    p_ += 8;
    return v;
  }
  void skip(int wire) {
    switch (wire) {
      case 0: varint(); break;
      case 1: fixed64(); break;
      case 2: bytes(); break;
      case 5: fixed32(); break;
      default: fail("wire type " + std::to_string(wire) + " (groups or garbage)");
    }
  }
  float f32() {
    const std::uint32_t u = fixed32();
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  // A repeated int64: packed (wire 2) or one at a time (wire 0).
  void ints(int wire, std::vector<std::int64_t>& out) {
    if (wire == 0) {
      out.push_back(static_cast<std::int64_t>(varint()));
    } else if (wire == 2) {
      Reader r = sub();
      while (!r.done()) out.push_back(static_cast<std::int64_t>(r.varint()));
    } else {
      fail("repeated int with wire type " + std::to_string(wire));
    }
  }
  void floats(int wire, std::vector<float>& out) {
    if (wire == 5) {
      out.push_back(f32());
    } else if (wire == 2) {
      Reader r = sub();
      while (!r.done()) out.push_back(r.f32());
    } else {
      fail("repeated float with wire type " + std::to_string(wire));
    }
  }
  void expect(int wire, int want, const char* what) {
    if (wire != want) fail(std::string(what) + " has wire type " + std::to_string(wire));
  }
  const std::string& file() const { return file_; }

 private:
  std::string_view b_;
  std::string file_;
  std::size_t base_;
  std::size_t p_ = 0;
};

// TensorProto: dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7,
// name 8, raw_data 9, double_data 10, data_location 14.
Constant read_tensor(Reader r, std::string* name) {
  Constant t;
  std::vector<std::int64_t> ints;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::string_view raw;
  bool has_raw = false;
  int field, wire;
  while (r.key(field, wire)) {
    if (field == 1) {
      r.ints(wire, t.shape);
    } else if (field == 2) {
      r.expect(wire, 0, "TensorProto.data_type");
      t.elem_type = static_cast<int>(r.varint());
    } else if (field == 4) {
      r.floats(wire, floats);
    } else if (field == 5 || field == 7) {
      r.ints(wire, ints);
    } else if (field == 8) {
      r.expect(wire, 2, "TensorProto.name");
      if (name) *name = std::string(r.bytes());
      else r.bytes();
    } else if (field == 9) {
      r.expect(wire, 2, "TensorProto.raw_data");
      raw = r.bytes();
      has_raw = true;
    } else if (field == 10) {
      if (wire == 2) {
        Reader s = r.sub();
        while (!s.done()) {
          const auto u = s.fixed64();
          double d;
          std::memcpy(&d, &u, 8);
          doubles.push_back(d);
        }
      } else {
        r.skip(wire);
      }
    } else if (field == 14) {
      if (r.varint() == 1)
        r.fail("tensor '" + (name ? *name : std::string()) +
               "' keeps its data in an external file (data_location EXTERNAL); fix: save the model with "
               "onnx.save(model, path, save_as_external_data=False)");
    } else {
      r.skip(wire);
    }
  }
  const auto n = static_cast<std::size_t>(numel(t.shape));
  const int ty = t.elem_type;
  if (ty != 1 && ty != 6 && ty != 7 && ty != 11)
    r.fail("tensor '" + (name ? *name : std::string()) + "' has element type " + std::to_string(ty) +
           " (this compiler reads FLOAT, DOUBLE, INT32, INT64)");
  if (has_raw) {
    const std::size_t width = ty == 1 || ty == 6 ? 4 : 8;
    if (raw.size() != n * width)
      r.fail("tensor '" + (name ? *name : std::string()) + "' has " + std::to_string(raw.size()) +
             " bytes of raw_data for shape " + shape_str(t.shape));
    t.data.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const char* p = raw.data() + i * width;
      if (ty == 1) {
        std::memcpy(&t.data[i], p, 4);
      } else if (ty == 6) {
        std::int32_t v;
        std::memcpy(&v, p, 4);
        t.data[i] = static_cast<float>(v);
      } else if (ty == 7) {
        std::int64_t v;
        std::memcpy(&v, p, 8);
        t.data[i] = static_cast<float>(v);
      } else {
        double v;
        std::memcpy(&v, p, 8);
        t.data[i] = static_cast<float>(v);
      }
    }
  } else if (ty == 1) {
    t.data = floats;
  } else if (ty == 11) {
    t.data.assign(doubles.begin(), doubles.end());
  } else {
    t.data.assign(ints.begin(), ints.end());
  }
  if (t.data.size() != n)
    r.fail("tensor '" + (name ? *name : std::string()) + "' has " + std::to_string(t.data.size()) +
           " values for shape " + shape_str(t.shape));
  if (ty == 11) t.elem_type = 1;
  return t;
}

// AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20.
std::pair<std::string, Attr> read_attr(Reader r) {
  std::string name;
  Attr a;
  int type = 0, field, wire;
  while (r.key(field, wire)) {
    switch (field) {
      case 1: r.expect(wire, 2, "AttributeProto.name"); name = std::string(r.bytes()); break;
      case 2: r.expect(wire, 5, "AttributeProto.f"); a.f = r.f32(); break;
      case 3: r.expect(wire, 0, "AttributeProto.i"); a.i = static_cast<std::int64_t>(r.varint()); break;
      case 4: r.expect(wire, 2, "AttributeProto.s"); a.s = std::string(r.bytes()); break;
      case 5: r.expect(wire, 2, "AttributeProto.t"); a.t = read_tensor(r.sub(), nullptr); break;
      case 7: r.floats(wire, a.floats); break;
      case 8: r.ints(wire, a.ints); break;
      case 20: r.expect(wire, 0, "AttributeProto.type"); type = static_cast<int>(r.varint()); break;
      default: r.skip(wire);
    }
  }
  // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7.
  switch (type) {
    case 1: a.kind = Attr::kFloat; break;
    case 2: a.kind = Attr::kInt; break;
    case 3: a.kind = Attr::kString; break;
    case 4: a.kind = Attr::kTensor; break;
    case 6: a.kind = Attr::kFloats; break;
    case 7: a.kind = Attr::kInts; break;
    default: a.kind = Attr::kNone;  // graphs, strings lists: kept as nothing
  }
  return {name, a};
}

// ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1,
// shape 2 -> TensorShapeProto.dim 1 -> dim_value 1 | dim_param 2.
ValueInfo read_value_info(Reader r) {
  ValueInfo v;
  v.known_shape = false;
  int field, wire;
  while (r.key(field, wire)) {
    if (field == 1) {
      r.expect(wire, 2, "ValueInfoProto.name");
      v.name = std::string(r.bytes());
    } else if (field == 2) {
      Reader type = r.sub();
      while (type.key(field, wire)) {
        if (field != 1) {
          type.skip(wire);
          continue;
        }
        Reader tt = type.sub();
        while (tt.key(field, wire)) {
          if (field == 1) {
            v.elem_type = static_cast<int>(tt.varint());
          } else if (field == 2) {
            Reader shape = tt.sub();
            v.known_shape = true;
            while (shape.key(field, wire)) {
              if (field != 1) {
                shape.skip(wire);
                continue;
              }
              Reader dim = shape.sub();
              std::int64_t value = -1;
              while (dim.key(field, wire)) {
                if (field == 1) value = static_cast<std::int64_t>(dim.varint());
                else dim.skip(wire);
              }
              if (value < 0) v.known_shape = false;  // symbolic (dim_param): from the input data
              v.shape.push_back(value);
            }
          } else {
            tt.skip(wire);
          }
        }
      }
    } else {
      r.skip(wire);
    }
  }
  if (!v.known_shape) v.shape.clear();
  return v;
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
Node read_node(Reader r) {
  Node n;
  int field, wire;
  while (r.key(field, wire)) {
    switch (field) {
      case 1: r.expect(wire, 2, "NodeProto.input"); n.inputs.emplace_back(r.bytes()); break;
      case 2: r.expect(wire, 2, "NodeProto.output"); n.outputs.emplace_back(r.bytes()); break;
      case 3: r.expect(wire, 2, "NodeProto.name"); n.name = std::string(r.bytes()); break;
      case 4: r.expect(wire, 2, "NodeProto.op_type"); n.op = std::string(r.bytes()); break;
      case 5: { r.expect(wire, 2, "NodeProto.attribute"); auto [k, a] = read_attr(r.sub()); n.attrs[k] = a; break; }
      default: r.skip(wire);
    }
  }
  return n;
}

// GraphProto: node 1, name 2, initializer 5, input 11, output 12, value_info 13.
Graph read_graph(Reader r) {
  Graph g;
  std::vector<ValueInfo> inputs;
  int field, wire;
  while (r.key(field, wire)) {
    if (field == 1) {
      r.expect(wire, 2, "GraphProto.node");
      g.nodes.push_back(read_node(r.sub()));
    } else if (field == 2) {
      r.expect(wire, 2, "GraphProto.name");
      g.name = std::string(r.bytes());
    } else if (field == 5) {
      r.expect(wire, 2, "GraphProto.initializer");
      std::string name;
      Constant t = read_tensor(r.sub(), &name);
      g.initializers[name] = std::move(t);
    } else if (field == 11) {
      r.expect(wire, 2, "GraphProto.input");
      inputs.push_back(read_value_info(r.sub()));
    } else if (field == 12) {
      r.expect(wire, 2, "GraphProto.output");
      g.outputs.push_back(read_value_info(r.sub()));
    } else {
      r.skip(wire);
    }
  }
  for (auto& v : inputs)  // older exporters list initializers among the inputs too
    if (!g.initializers.count(v.name)) g.inputs.push_back(v);
  return g;
}

}  // namespace

Graph parse_onnx(std::string_view bytes, const std::string& file) {
  Reader r(bytes, file);
  Graph g;
  bool has_graph = false;
  int field, wire;
  while (r.key(field, wire)) {
    if (field == 7) {  // ModelProto.graph
      r.expect(wire, 2, "ModelProto.graph");
      g = read_graph(r.sub());
      has_graph = true;
    } else if (field == 8) {  // opset_import: domain 1, version 2
      r.expect(wire, 2, "ModelProto.opset_import");
      Reader o = r.sub();
      std::string domain;
      std::int64_t version = 0;
      while (o.key(field, wire)) {
        if (field == 1) domain = std::string(o.bytes());
        else if (field == 2) version = static_cast<std::int64_t>(o.varint());
        else o.skip(wire);
      }
      if (domain.empty() || domain == "ai.onnx") g.opset = version;
    } else {
      r.skip(wire);
    }
  }
  if (!has_graph) r.fail("no ModelProto.graph (field 7)");
  if (g.nodes.empty()) r.fail("the graph has no nodes");
  // Constant nodes become initializers.
  std::vector<Node> kept;
  for (Node& n : g.nodes) {
    if (n.op == "Constant") {
      auto it = n.attrs.find("value");
      if (it == n.attrs.end() || it->second.kind != Attr::kTensor || n.outputs.size() != 1)
        throw InputError(file + ": Constant node '" + n.name +
                         "' has no tensor 'value' (value_float/value_ints are not supported); fix: re-export with "
                         "a tensor value");
      g.initializers[n.outputs[0]] = it->second.t;
    } else {
      kept.push_back(std::move(n));
    }
  }
  g.nodes = std::move(kept);
  int unnamed = 0;
  for (Node& n : g.nodes)
    if (n.name.empty()) n.name = n.op + "_" + std::to_string(unnamed++);
  check_supported(g);
  return g;
}

Graph read_onnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the model file; fix: check the path");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_onnx(ss.str(), path);
}

// ---------------------------------------------------------------------------
namespace {

class Writer {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  void key(int field, int wire) { varint(static_cast<std::uint64_t>(field) << 3 | static_cast<unsigned>(wire)); }
  void int_field(int field, std::int64_t v) {
    key(field, 0);
    varint(static_cast<std::uint64_t>(v));
  }
  void bytes_field(int field, std::string_view b) {
    key(field, 2);
    varint(b.size());
    out.append(b);
  }
  void float_field(int field, float f) {
    key(field, 5);
    char b[4];
    std::memcpy(b, &f, 4);
    out.append(b, 4);
  }
  void packed_ints(int field, const std::vector<std::int64_t>& v) {
    Writer w;
    for (auto x : v) w.varint(static_cast<std::uint64_t>(x));
    bytes_field(field, w.out);
  }
  std::string out;
};

std::string tensor_bytes(const Constant& t, const std::string& name) {
  Writer w;
  for (auto d : t.shape) w.int_field(1, d);  // dims: unpacked, as onnx writes them
  const int ty = t.elem_type == 7 || t.elem_type == 6 ? 7 : 1;
  w.int_field(2, ty);
  if (!name.empty()) w.bytes_field(8, name);
  std::string raw;
  if (ty == 1) {
    raw.resize(t.data.size() * 4);
    std::memcpy(raw.data(), t.data.data(), raw.size());
  } else {
    raw.resize(t.data.size() * 8);
    for (std::size_t i = 0; i < t.data.size(); ++i) {
      const auto v = static_cast<std::int64_t>(t.data[i]);
      std::memcpy(raw.data() + 8 * i, &v, 8);
    }
  }
  w.bytes_field(9, raw);
  return w.out;
}

std::string value_info_bytes(const ValueInfo& v) {
  Writer shape;
  for (auto d : v.shape) {
    Writer dim;
    dim.int_field(1, d);
    shape.bytes_field(1, dim.out);
  }
  Writer tensor_type;
  tensor_type.int_field(1, v.elem_type);
  if (v.known_shape) tensor_type.bytes_field(2, shape.out);
  Writer type;
  type.bytes_field(1, tensor_type.out);
  Writer w;
  w.bytes_field(1, v.name);
  w.bytes_field(2, type.out);
  return w.out;
}

std::string attr_bytes(const std::string& name, const Attr& a) {
  Writer w;
  w.bytes_field(1, name);
  switch (a.kind) {
    case Attr::kFloat: w.float_field(2, a.f); w.int_field(20, 1); break;
    case Attr::kInt: w.int_field(3, a.i); w.int_field(20, 2); break;
    case Attr::kString: w.bytes_field(4, a.s); w.int_field(20, 3); break;
    case Attr::kTensor: w.bytes_field(5, tensor_bytes(a.t, "")); w.int_field(20, 4); break;
    case Attr::kFloats: for (float f : a.floats) w.float_field(7, f); w.int_field(20, 6); break;
    case Attr::kInts: w.packed_ints(8, a.ints); w.int_field(20, 7); break;
    case Attr::kNone: break;
  }
  return w.out;
}

}  // namespace

std::string serialize_onnx(const Graph& g) {
  Writer graph;
  for (const Node& n : g.nodes) {
    Writer node;
    for (const auto& i : n.inputs) node.bytes_field(1, i);
    for (const auto& o : n.outputs) node.bytes_field(2, o);
    node.bytes_field(3, n.name);
    node.bytes_field(4, n.op);
    for (const auto& [k, a] : n.attrs)
      if (a.kind != Attr::kNone && k.rfind("mlc_", 0) != 0) node.bytes_field(5, attr_bytes(k, a));
    graph.bytes_field(1, node.out);
  }
  graph.bytes_field(2, g.name);
  for (const auto& [name, t] : g.initializers) graph.bytes_field(5, tensor_bytes(t, name));
  for (const auto& v : g.inputs) graph.bytes_field(11, value_info_bytes(v));
  for (const auto& v : g.outputs) graph.bytes_field(12, value_info_bytes(v));
  Writer model;
  model.int_field(1, 8);  // ir_version 8 (ONNX 1.10+)
  model.bytes_field(2, "ml-compiler");
  model.bytes_field(3, "1");
  model.bytes_field(7, graph.out);
  Writer opset;
  opset.bytes_field(1, "");
  opset.int_field(2, g.opset);
  model.bytes_field(8, opset.out);
  return model.out;
}

void write_onnx(const std::string& path, const Graph& g) {
  for (const Node& n : g.nodes)
    for (const auto& [k, a] : n.attrs)
      if (k.rfind("mlc_", 0) == 0)
        throw std::invalid_argument("write_onnx: node '" + n.name + "' carries the compiler's own attribute '" + k +
                                    "' (a fused graph is not plain ONNX); write the graph before fusion");
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError(path + ": cannot write; fix: check that the folder exists and is writable");
  const std::string b = serialize_onnx(g);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

// ---------------------------------------------------------------------------
// .npy v1.0: "\x93NUMPY" 1 0, a little-endian uint16 header length, an ASCII
// Python dict {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces to a multiple of 64 bytes with a final '\n', then the data.
Constant read_npy(const std::string& path) {
  auto bad = [&](const std::string& what) {
    return InputError(path + ": " + what +
                      ". Fix: write the array with numpy.save(path, array.astype(numpy.float32)) (C order)");
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the input file; fix: check the path in --input NAME=FILE.npy");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string b = ss.str();
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw bad("not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(b[6]);
  std::size_t hlen, start;
  if (major == 1) {
    hlen = static_cast<unsigned char>(b[8]) | static_cast<std::size_t>(static_cast<unsigned char>(b[9])) << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw bad("truncated header");
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= static_cast<std::size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    start = 12;
  } else {
    throw bad("unknown .npy version " + std::to_string(major));
  }
  if (b.size() < start + hlen) throw bad("truncated header");
  const std::string h = b.substr(start, hlen);
  auto field = [&](const std::string& key) -> std::string {
    auto k = h.find("'" + key + "'");
    if (k == std::string::npos) throw bad("header has no '" + key + "'");
    auto colon = h.find(':', k);
    auto begin = h.find_first_not_of(' ', colon + 1);
    if (h[begin] == '(') return h.substr(begin + 1, h.find(')', begin) - begin - 1);
    if (h[begin] == '\'') return h.substr(begin + 1, h.find('\'', begin + 1) - begin - 1);
    return h.substr(begin, h.find_first_of(",}", begin) - begin);
  };
  const std::string descr = field("descr"), fortran = field("fortran_order"), shape = field("shape");
  if (fortran.rfind("True", 0) == 0) throw bad("fortran_order is True");
  Constant t;
  std::stringstream dims(shape);
  std::string item;
  while (std::getline(dims, item, ','))
    if (item.find_first_not_of(' ') != std::string::npos) t.shape.push_back(std::stoll(item));
  const std::size_t n = static_cast<std::size_t>(numel(t.shape));
  std::size_t width;
  if (descr == "<f4" || descr == "<i4") width = 4;
  else if (descr == "<f8" || descr == "<i8") width = 8;
  else throw bad("dtype '" + descr + "' (this reads <f4, <f8, <i4, <i8)");
  const std::size_t data = start + hlen;
  if (b.size() - data != n * width)
    throw bad("holds " + std::to_string(b.size() - data) + " data bytes, shape " + shape_str(t.shape) + " needs " +
              std::to_string(n * width));
  t.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const char* p = b.data() + data + i * width;
    if (descr == "<f4") {
      std::memcpy(&t.data[i], p, 4);
    } else if (descr == "<f8") {
      double v;
      std::memcpy(&v, p, 8);
      t.data[i] = static_cast<float>(v);
    } else if (descr == "<i4") {
      std::int32_t v;
      std::memcpy(&v, p, 4);
      t.data[i] = static_cast<float>(v);
    } else {
      std::int64_t v;
      std::memcpy(&v, p, 8);
      t.data[i] = static_cast<float>(v);
    }
  }
  if (descr[1] == 'i') t.elem_type = 7;
  return t;
}

void write_npy(const std::string& path, const Constant& t) {
  std::string shape = "(";
  for (auto d : t.shape) shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1) shape.resize(shape.size() - 2);
  else if (t.shape.size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError(path + ": cannot write; fix: check that the --out folder is writable");
  out.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(h.size() & 0xff), static_cast<char>(h.size() >> 8)};
  out.write(len, 2);
  out.write(h.data(), static_cast<std::streamsize>(h.size()));
  out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size() * 4));
}

}  // namespace ml_compiler
