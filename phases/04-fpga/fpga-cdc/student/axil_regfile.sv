// axil_regfile: your AXI4-Lite slave, five 32-bit registers. The register
// map, the rules of the five channels and what the tests check: ../README.md,
// "An AXI4-Lite register file".
//
//   offset  name     access  what it holds
//   0x00    CTRL     RW      drives the `ctrl` output; WSTRB picks the bytes written
//   0x04    SCRATCH  RW      nothing but itself; WSTRB picks the bytes written
//   0x08    STATUS   RO      the `status` input, as it is when the read is accepted
//   0x0C    IRQ      W1C     bit i set by irq_set[i], cleared by writing 1 to it (byte lane 0)
//   0x10    ID       RO      the constant ID
//
// Every other offset answers SLVERR (reads return 0), and so does a write to
// STATUS or ID. The read side, the registers and the write response are
// given; the write address/data join and the byte enables are yours.
module axil_regfile #(
    parameter logic [31:0] ID = 32'h41584C31  // "AXL1"
) (
    input  logic        clk,
    input  logic        rst,
    // write address
    input  logic        awvalid,
    output logic        awready,
    input  logic [5:0]  awaddr,
    // write data
    input  logic        wvalid,
    output logic        wready,
    input  logic [31:0] wdata,
    input  logic [3:0]  wstrb,
    // write response
    output logic        bvalid,
    input  logic        bready,
    output logic [1:0]  bresp,
    // read address
    input  logic        arvalid,
    output logic        arready,
    input  logic [5:0]  araddr,
    // read data
    output logic        rvalid,
    input  logic        rready,
    output logic [31:0] rdata,
    output logic [1:0]  rresp,
    // the other side of the registers
    input  logic [31:0] status,
    input  logic [7:0]  irq_set,
    output logic [31:0] ctrl,
    output logic        irq
);
  localparam logic [1:0] OKAY = 2'b00, SLVERR = 2'b10;
  localparam logic [3:0] CTRL = 4'd0, SCRATCH = 4'd1, STATUS = 4'd2, IRQ = 4'd3, IDREG = 4'd4;

  logic [31:0] scratch;
  logic [7:0]  pending;
  /* verilator lint_off UNUSEDSIGNAL */
  logic        unused_byte_offsets;  // bits 1:0 of an address: every register is a whole word
  assign unused_byte_offsets = ^{awaddr[1:0], araddr[1:0]};
  /* verilator lint_on UNUSEDSIGNAL */

  // ---- write: the address/data join
  logic        aw_held, w_held;
  logic [3:0]  aw_word;
  logic [31:0] w_data;
  logic [3:0]  w_strb;
  logic        do_write;

  // TODO(11): awready, wready, bvalid: the write address/data join. AW and W arrive independently, in
  // either order or together: take each when it is valid (awready = !aw_held, wready = !w_held), keep
  // awaddr[5:2] in aw_word and wdata/wstrb in w_data/w_strb, and set do_write for the one cycle where
  // both are held and no response is waiting (!bvalid); do_write empties both holding registers.
  assign awready  = 1'b0;
  assign wready   = 1'b0;
  assign do_write = 1'b0;
  assign {aw_held, w_held, aw_word, w_data, w_strb} = '0;

  // ---- write: byte enables, the registers, the response
  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] data, input logic [3:0] strb);
    // TODO(12): wstrb, the byte enables: byte i of the result is data's when strb[i] is 1, else old's.
    // (Yosys 0.23 takes no `return`: assign the result to `merge`.)
    merge = data;  // every byte written, whatever strb says
  endfunction

  logic [7:0] clear;  // IRQ bits written with 1 at this edge
  assign clear = do_write && aw_word == IRQ && w_strb[0] ? w_data[7:0] : 8'h00;

  always_ff @(posedge clk) begin
    if (rst) begin
      ctrl    <= '0;
      scratch <= '0;
      pending <= '0;
      bvalid  <= 1'b0;
      bresp   <= OKAY;
    end else begin
      pending <= (pending & ~clear) | irq_set;  // an event beats a clear in the same cycle
      if (do_write) begin
        bvalid <= 1'b1;
        bresp  <= OKAY;
        case (aw_word)
          CTRL:    ctrl <= merge(ctrl, w_data, w_strb);
          SCRATCH: scratch <= merge(scratch, w_data, w_strb);
          IRQ:     ;  // `clear` above
          default: bresp <= SLVERR;  // STATUS and ID are read-only; the rest is unmapped
        endcase
      end else if (bready) begin
        bvalid <= 1'b0;
      end
    end
  end
  assign irq = |pending;

  // ---- read: one at a time, the data registered at the AR handshake
  assign arready = !rvalid;
  always_ff @(posedge clk) begin
    if (rst) begin
      rvalid <= 1'b0;
      rdata  <= '0;
      rresp  <= OKAY;
    end else if (arvalid && arready) begin
      rvalid <= 1'b1;
      rresp  <= OKAY;
      case (araddr[5:2])
        CTRL:    rdata <= ctrl;
        SCRATCH: rdata <= scratch;
        STATUS:  rdata <= status;
        IRQ:     rdata <= {24'h0, pending};
        IDREG:   rdata <= ID;
        default: begin
          rdata <= '0;
          rresp <= SLVERR;
        end
      endcase
    end else if (rready) begin
      rvalid <= 1'b0;
    end
  end
endmodule
