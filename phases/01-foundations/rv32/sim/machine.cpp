// The simulated process: memory, the ELF loader, the fetch-decode-execute
// loop around the Isa it is handed, Linux's system calls, the commit log.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <ostream>

#include "sim.hpp"

namespace rv32 {

namespace {

std::string hex(std::uint32_t v, int digits = 8) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
  return buf;
}

}  // namespace

const char* op_name(Op op) {
  static const char* const names[kOpCount] = {
      "illegal", "lui",  "auipc", "jal",  "jalr", "beq",  "bne",  "blt", "bge",  "bltu", "bgeu",
      "lb",      "lh",   "lw",    "lbu",  "lhu",  "sb",   "sh",   "sw",  "addi", "slti", "sltiu",
      "xori",    "ori",  "andi",  "slli", "srli", "srai", "add",  "sub", "sll",  "slt",  "sltu",
      "xor",     "srl",  "sra",   "or",   "and",  "fence", "ecall", "ebreak"};
  const int i = static_cast<int>(op);
  return i >= 0 && i < kOpCount ? names[i] : "?";
}

std::string to_string(const Decoded& d) {
  const std::string op = op_name(d.op);
  auto x = [](int r) { return "x" + std::to_string(r); };
  const std::string imm = std::to_string(d.imm);
  switch (d.op) {
    case Op::lui: case Op::auipc:
      return op + " " + x(d.rd) + ", " + hex(static_cast<std::uint32_t>(d.imm) >> 12, 5);
    case Op::jal: return op + " " + x(d.rd) + ", " + (d.imm >= 0 ? "+" : "") + imm;
    case Op::jalr: case Op::lb: case Op::lh: case Op::lw: case Op::lbu: case Op::lhu:
      return op + " " + x(d.rd) + ", " + imm + "(" + x(d.rs1) + ")";
    case Op::sb: case Op::sh: case Op::sw: return op + " " + x(d.rs2) + ", " + imm + "(" + x(d.rs1) + ")";
    case Op::beq: case Op::bne: case Op::blt: case Op::bge: case Op::bltu: case Op::bgeu:
      return op + " " + x(d.rs1) + ", " + x(d.rs2) + ", " + (d.imm >= 0 ? "+" : "") + imm;
    case Op::addi: case Op::slti: case Op::sltiu: case Op::xori: case Op::ori: case Op::andi:
    case Op::slli: case Op::srli: case Op::srai:
      return op + " " + x(d.rd) + ", " + x(d.rs1) + ", " + imm;
    case Op::add: case Op::sub: case Op::sll: case Op::slt: case Op::sltu: case Op::xor_:
    case Op::srl: case Op::sra: case Op::or_: case Op::and_:
      return op + " " + x(d.rd) + ", " + x(d.rs1) + ", " + x(d.rs2);
    default: return op;
  }
}

// ---- Memory ----------------------------------------------------------------------

Memory::Memory() = default;
Memory::~Memory() = default;

void Memory::map(std::uint32_t address, std::uint32_t bytes) {
  if (bytes) ranges_.emplace_back(address, std::uint64_t(address) + bytes);
}

bool Memory::mapped(std::uint32_t address) const {
  for (const auto& [begin, end] : ranges_)
    if (address >= begin && address < end) return true;
  return false;
}

std::uint8_t* Memory::page(std::uint32_t address, const char* what) {
  std::unique_ptr<Leaf>& leaf = root_[address >> 22];
  if (leaf) {
    if (Page* p = (*leaf)[(address >> kPageBits) & 1023].get()) return p->data();
  }
  if (!mapped(address))
    throw SimError(std::string(what) + " at " + hex(address) + ", outside the program's memory (its segments, stack and heap)");
  if (!leaf) leaf = std::make_unique<Leaf>();
  auto& p = (*leaf)[(address >> kPageBits) & 1023];
  p = std::make_unique<Page>();
  p->fill(0);
  return p->data();
}

std::uint32_t Memory::read(std::uint32_t address, int bytes, const char* what) {
  const std::uint32_t offset = address & ((1u << kPageBits) - 1);
  std::uint32_t v = 0;
  if (offset + bytes <= (1u << kPageBits)) {
    std::memcpy(&v, page(address, what) + offset, bytes);  // the host is little-endian (x86-64, AArch64)
    return v;
  }
  for (int i = 0; i < bytes; ++i) v |= std::uint32_t(page(address + i, what)[(address + i) & ((1u << kPageBits) - 1)]) << 8 * i;
  return v;
}

void Memory::write(std::uint32_t address, int bytes, std::uint32_t value, const char* what) {
  const std::uint32_t offset = address & ((1u << kPageBits) - 1);
  if (offset + bytes <= (1u << kPageBits)) {
    std::memcpy(page(address, what) + offset, &value, bytes);
    return;
  }
  for (int i = 0; i < bytes; ++i) page(address + i, what)[(address + i) & ((1u << kPageBits) - 1)] = std::uint8_t(value >> 8 * i);
}

void Memory::write_bytes(std::uint32_t address, const std::uint8_t* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) write(address + std::uint32_t(i), 1, data[i], "load of the ELF file");
}

// ---- Loading ---------------------------------------------------------------------

Machine::Machine(Isa isa) : isa_(isa) {}
Machine::~Machine() = default;

void Machine::setup_stack(const std::string& name, std::uint32_t top) {
  mem_.map(top - kStackBytes, kStackBytes);
  // Linux's initial stack: argc, argv[0..argc], NULL, envp..., NULL, auxv
  // pairs ending with AT_NULL; the strings above them. argv[0] is the path
  // as given, as under qemu-riscv32.
  const std::string arg0 = name.substr(0, 1024);
  const std::uint32_t str = top - 16 - ((std::uint32_t(arg0.size()) + 16) & ~15u);
  mem_.write_bytes(str, reinterpret_cast<const std::uint8_t*>(arg0.c_str()), arg0.size() + 1);
  const std::uint32_t sp = str - 64;  // 16-byte aligned, as the psABI wants at entry
  const std::uint32_t words[] = {1, str, 0, 0, 6 /* AT_PAGESZ */, 4096, 0 /* AT_NULL */, 0};
  for (std::uint32_t i = 0; i < std::size(words); ++i) mem_.write(sp + 4 * i, 4, words[i]);
  x_.fill(0);
  x_[2] = sp;
}

void Machine::load_code(std::uint32_t base, const std::vector<std::uint32_t>& words) {
  mem_.map(base, std::uint32_t(4 * words.size()) + 4096);
  for (std::size_t i = 0; i < words.size(); ++i) mem_.write(base + 4 * std::uint32_t(i), 4, words[i]);
  setup_stack("test", kStackTop);
  pc_ = base;
  brk_start_ = brk_ = (base + std::uint32_t(4 * words.size()) + 4096 + 4095) & ~4095u;
  brk_limit_ = kStackTop - kStackBytes;
}

void Machine::load_elf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SimError(path + ": cannot open the file (does it exist? build the programs with the cross compiler first)");
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  load_elf(bytes, path);
}

void Machine::load_elf(const std::vector<std::uint8_t>& f, const std::string& name) {
  const std::string build = "build it with riscv64-unknown-elf-gcc -march=rv32i -mabi=ilp32 -static";
  auto bad = [&](const std::string& what) { throw SimError(name + ": " + what); };
  auto u16 = [&](std::size_t at) { return std::uint32_t(f[at] | f[at + 1] << 8); };
  auto u32 = [&](std::size_t at) { return std::uint32_t(f[at] | f[at + 1] << 8 | f[at + 2] << 16 | std::uint32_t(f[at + 3]) << 24); };
  if (f.size() < 4 || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
    bad("not an ELF file (it does not start with 0x7f 'E' 'L' 'F'); " + build);
  if (f.size() < 52) bad("truncated: " + std::to_string(f.size()) + " bytes, shorter than an ELF32 header (52)");
  if (f[4] == 2) bad("an ELF64 file (64-bit, e.g. RV64 or x86-64); this simulator runs ELF32 RV32I programs: " + build);
  if (f[4] != 1) bad("unknown ELF class " + std::to_string(f[4]) + " (1 is ELF32)");
  if (f[5] != 1) bad("big-endian ELF data; RISC-V is little-endian: " + build);
  const std::uint32_t machine = u16(18);
  if (machine != 243) {
    const char* known = machine == 62 ? " (x86-64)" : machine == 183 ? " (AArch64)" : machine == 40 ? " (ARM)"
                      : machine == 3 ? " (i386)" : "";
    bad("e_machine is " + std::to_string(machine) + known + ", not 243 (RISC-V): " + build);
  }
  const std::uint32_t type = u16(16);
  if (type == 1) bad("an object file (ET_REL), not an executable: link it (" + build + " -o prog.elf ...)");
  if (type == 3) bad("position-independent or shared (ET_DYN); link a static executable (-static, and -no-pie)");
  if (type != 2) bad("e_type is " + std::to_string(type) + ", not 2 (ET_EXEC, an executable)");
  const std::uint32_t flags = u32(36);
  if (flags & 0x1) bad("e_flags say it holds compressed (RVC) instructions; this simulator runs RV32I only: " + build);
  if (flags & 0x6) bad("e_flags say it uses a floating-point ABI (ilp32f/ilp32d): " + build);
  if (flags & 0x8) bad("e_flags say it is an RV32E program (16 registers): " + build);
  const std::uint32_t phoff = u32(28), phentsize = u16(42), phnum = u16(44);
  if (phnum == 0) bad("no program headers: nothing to load (is it an executable?)");
  if (phentsize != 32) bad("program header size is " + std::to_string(phentsize) + ", not 32 as in ELF32");
  if (std::uint64_t(phoff) + std::uint64_t(phnum) * 32 > f.size())
    bad("truncated: its " + std::to_string(phnum) + " program headers at offset " + std::to_string(phoff) +
        " end past the end of the file (" + std::to_string(f.size()) + " bytes)");

  const std::uint32_t entry = u32(24);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> segments;
  bool entry_loaded = false, any = false;
  std::uint64_t top = 0;
  for (std::uint32_t i = 0; i < phnum; ++i) {
    const std::size_t h = phoff + 32 * std::size_t(i);
    const std::uint32_t ptype = u32(h), off = u32(h + 4), vaddr = u32(h + 8), filesz = u32(h + 16), memsz = u32(h + 20);
    if (ptype == 3) bad("dynamically linked (it names an interpreter, PT_INTERP): link it with -static");
    if (ptype != 1) continue;  // PT_LOAD only; notes, GNU_STACK, RISCV_ATTRIBUTES carry nothing to load
    const std::string seg = "segment " + std::to_string(i) + " (" + hex(vaddr) + ")";
    if (off % 4096 != vaddr % 4096)
      bad(seg + ": p_offset " + std::to_string(off) + " and p_vaddr differ modulo the page size (4096), so Linux and "
          "qemu-riscv32 cannot map it; link it with GNU ld, which aligns them");
    if (filesz > memsz) bad(seg + ": p_filesz " + std::to_string(filesz) + " is larger than p_memsz " + std::to_string(memsz));
    if (std::uint64_t(off) + filesz > f.size())
      bad("truncated: " + seg + " needs bytes " + std::to_string(off) + " to " + std::to_string(std::uint64_t(off) + filesz) +
          " of a " + std::to_string(f.size()) + "-byte file");
    if (std::uint64_t(vaddr) + memsz > 0xffff0000u)
      bad(seg + " ends at " + std::to_string(std::uint64_t(vaddr) + memsz) + ", past the 32-bit address space");
    segments.emplace_back(vaddr, std::uint64_t(vaddr) + memsz);
    mem_.map(vaddr, memsz);
    mem_.write_bytes(vaddr, f.data() + off, filesz);
    any = true;
    if (entry >= vaddr && entry < std::uint64_t(vaddr) + memsz) entry_loaded = true;
    top = std::max(top, std::uint64_t(vaddr) + memsz);
  }
  if (!any) bad("no loadable segment (PT_LOAD)");
  if (!entry_loaded) bad("the entry point " + hex(entry) + " is in no loadable segment");
  // The stack goes where no segment is (qemu-user, too, places it clear of them).
  std::uint32_t stack_top = 0;
  for (const std::uint32_t top : {kStackTop, 0xc0000000u, 0x40000000u, 0xf0000000u}) {
    bool clear = true;
    for (const auto& [begin, end] : segments) clear = clear && (end <= top - kStackBytes || begin >= top);
    if (clear) {
      stack_top = top;
      break;
    }
  }
  if (!stack_top) bad("its segments leave no room for an 8 MiB stack below 0x40000000, 0x80000000, 0xc0000000 or 0xf0000000");
  setup_stack(name, stack_top);
  pc_ = entry;
  brk_start_ = brk_ = std::uint32_t((top + 4095) & ~std::uint64_t(4095));
  // The heap grows up to the stack, or to the top of memory when the stack is below it.
  brk_limit_ = stack_top > brk_ ? stack_top - kStackBytes : 0xffff0000u;
}

// ---- Running -----------------------------------------------------------------------

void Machine::fail(const std::string& what) const {
  throw SimError(what + " (pc " + hex(pc_) + ", instruction " + hex(word_) + ", after " + std::to_string(retired_) + " instructions)");
}

void Machine::jump(std::uint32_t target, const Decoded& d) {
  if (target & 3)
    fail(std::string(op_name(d.op)) + " to " + hex(target) + ", not a multiple of 4: instruction-address-misaligned "
         "(RV32I without the C extension needs 4-byte-aligned instructions)");
  next_pc_ = target;
}

void Machine::syscall() {
  const std::uint32_t number = x_[17], a0 = x_[10], a1 = x_[11], a2 = x_[12];
  switch (number) {
    case 64: {  // write(fd, buf, count)
      if (a0 != 1 && a0 != 2) {
        x_[10] = std::uint32_t(-9);  // -EBADF: only stdout and stderr are open
        return;
      }
      std::string text(a2, '\0');
      for (std::uint32_t i = 0; i < a2; ++i) text[i] = char(mem_.read(a1 + i, 1, "write() of a buffer"));
      std::ostream* to = a0 == 1 ? out_ : err_;
      if (to) to->write(text.data(), std::streamsize(text.size()));
      else captured_[a0 - 1] += text;
      x_[10] = a2;
      return;
    }
    case 93: case 94:  // exit, exit_group: the status is the low 8 bits
      exited_ = true;
      exit_code_ = int(a0 & 0xff);
      return;
    case 214:  // brk(addr): 0 (or anything below the start) asks for the current break
      if (a0 > brk_ && a0 <= brk_limit_) {
        mem_.map(brk_, a0 - brk_);
        brk_ = a0;
      } else if (a0 >= brk_start_ && a0 <= brk_) {
        brk_ = a0;  // shrinking keeps the pages mapped; Linux would unmap them
      }
      x_[10] = brk_;
      return;
    default:
      fail("unsupported system call " + std::to_string(number) +
           " (in a7); rv32-sim has write (64), exit (93), exit_group (94) and brk (214)");
  }
}

bool Machine::step() {
  if (exited_) return false;
  word_ = 0;
  try {
    word_ = mem_.read(pc_, 4, "instruction fetch");
  } catch (const SimError& e) {
    fail(e.what());
  }
  const Decoded d = isa_.decode(word_);
  next_pc_ = pc_ + 4;
  std::uint32_t rd_value = 0;
  bool writes_rd = false, stores = false;
  std::uint32_t store_address = 0, store_value = 0;
  int store_bytes = 0;
  const std::uint32_t a = x_[d.rs1], b = x_[d.rs2], imm = static_cast<std::uint32_t>(d.imm);
  try {
    switch (d.op) {
      case Op::illegal: {
        const std::uint32_t opcode = word_ & 0x7f, funct7 = word_ >> 25;
        std::string hint = "not an RV32I instruction";
        if ((word_ & 3) != 3) hint += ": a compressed (RVC) encoding; compile with -march=rv32i";
        else if (opcode == 0x33 && funct7 == 1) hint += ": mul/div (the M extension); compile with -march=rv32i";
        else if (opcode == 0x73) hint += ": a CSR or privileged instruction";
        else if (opcode == 0x0f) hint += ": fence.i (Zifencei)";
        else if (opcode == 0x07 || opcode == 0x27 || opcode == 0x53) hint += ": floating point; compile with -march=rv32i -mabi=ilp32";
        fail("illegal instruction " + hex(word_) + " at " + hex(pc_) + ", " + hint);
      }
      case Op::lui: rd_value = imm, writes_rd = true; break;
      case Op::auipc: rd_value = pc_ + imm, writes_rd = true; break;
      case Op::jal: jump(pc_ + imm, d), rd_value = pc_ + 4, writes_rd = true; break;
      case Op::jalr: jump((a + imm) & ~1u, d), rd_value = pc_ + 4, writes_rd = true; break;
      case Op::beq: case Op::bne: case Op::blt: case Op::bge: case Op::bltu: case Op::bgeu: {
        const bool taken = isa_.branch_taken(d.op, a, b);
        if (taken) jump(pc_ + imm, d);
        if (on_branch_) on_branch_({pc_, pc_ + imm, taken});
        break;
      }
      case Op::lb: rd_value = std::uint32_t(std::int32_t(std::int8_t(mem_.read(a + imm, 1)))), writes_rd = true; break;
      case Op::lh: rd_value = std::uint32_t(std::int32_t(std::int16_t(mem_.read(a + imm, 2)))), writes_rd = true; break;
      case Op::lw: rd_value = mem_.read(a + imm, 4), writes_rd = true; break;
      case Op::lbu: rd_value = mem_.read(a + imm, 1), writes_rd = true; break;
      case Op::lhu: rd_value = mem_.read(a + imm, 2), writes_rd = true; break;
      case Op::sb: case Op::sh: case Op::sw:
        store_bytes = d.op == Op::sb ? 1 : d.op == Op::sh ? 2 : 4;
        store_address = a + imm;
        store_value = store_bytes == 4 ? b : b & ((1u << 8 * store_bytes) - 1);
        mem_.write(store_address, store_bytes, store_value);
        stores = true;
        break;
      case Op::addi: case Op::slti: case Op::sltiu: case Op::xori: case Op::ori: case Op::andi:
      case Op::slli: case Op::srli: case Op::srai:
        rd_value = isa_.alu(d.op, a, imm), writes_rd = true;
        break;
      case Op::add: case Op::sub: case Op::sll: case Op::slt: case Op::sltu: case Op::xor_:
      case Op::srl: case Op::sra: case Op::or_: case Op::and_:
        rd_value = isa_.alu(d.op, a, b), writes_rd = true;
        break;
      case Op::fence: break;  // one hart, in order: nothing to order
      case Op::ecall:  // the result (if any) comes back in a0, logged like any rd
        syscall();
        rd_value = x_[10], writes_rd = !exited_;
        break;
      case Op::ebreak: fail("ebreak at " + hex(pc_) + " (a breakpoint; under Linux the program would get SIGTRAP)");
    }
  } catch (const SimError& e) {
    const std::string what = e.what();
    if (what.find("(pc 0x") != std::string::npos) throw;
    fail(what);
  }
  const int rd = d.op == Op::ecall ? 10 : d.rd;
  if (writes_rd && rd != 0) x_[rd] = rd_value;
  if (commit_log_) {
    char line[80];
    int n = std::snprintf(line, sizeof line, "%08x %08x", pc_, word_);
    if (writes_rd && rd != 0) n += std::snprintf(line + n, sizeof line - n, " x%d=%08x", rd, rd_value);
    if (stores) n += std::snprintf(line + n, sizeof line - n, " mem[%08x]=%0*x", store_address, 2 * store_bytes, store_value);
    line[n++] = '\n';
    commit_log_->write(line, n);
  }
  ++retired_;
  pc_ = next_pc_;
  return !exited_;
}

void Machine::run(std::uint64_t max_instructions) {
  while (!exited_) {
    if (retired_ >= max_instructions)
      throw SimError("instruction limit of " + std::to_string(max_instructions) + " reached at pc " + hex(pc_) +
                     ": the program did not exit (raise the limit with --max-instructions N)");
    step();
  }
}

}  // namespace rv32
