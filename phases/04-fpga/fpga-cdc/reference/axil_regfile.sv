// axil_regfile: an AXI4-Lite slave with five 32-bit registers (ARM IHI 0022,
// the AXI4-Lite subset: no bursts, no IDs, every transfer a full-width word).
//
//   offset  name     access  what it holds
//   0x00    CTRL     RW      drives the `ctrl` output; WSTRB picks the bytes written
//   0x04    SCRATCH  RW      nothing but itself; WSTRB picks the bytes written
//   0x08    STATUS   RO      the `status` input, as it is when the read is accepted
//   0x0C    IRQ      W1C     bit i is set by a cycle of irq_set[i] and cleared by
//                            writing 1 to it (byte lane 0); an event in the same
//                            cycle as its clear wins; `irq` = any bit set
//   0x10    ID       RO      the constant ID
//
// Every other offset answers SLVERR (reads return 0), and so does a write to
// STATUS or ID, which changes nothing. Addresses are byte addresses; bits 1:0
// are ignored.
//
// The write side: AW (the address) and W (the data and its byte strobes) are
// independent channels, and a master may present either first or both at
// once. Each is taken as soon as it is valid and held in its own register
// (awready = the address register is empty, wready = the data register is
// empty); the write happens at the first edge where both are held and no
// response is still waiting for bready, and B answers it. One write and one
// read are in flight at a time, which AXI4-Lite allows.
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

  assign awready  = !aw_held;
  assign wready   = !w_held;
  assign do_write = aw_held && w_held && !bvalid;

  always_ff @(posedge clk) begin
    if (rst) begin
      aw_held <= 1'b0;
      w_held  <= 1'b0;
    end else begin
      if (awvalid && awready) aw_held <= 1'b1;
      else if (do_write) aw_held <= 1'b0;
      if (wvalid && wready) w_held <= 1'b1;
      else if (do_write) w_held <= 1'b0;
    end
  end
  always_ff @(posedge clk) begin
    if (awvalid && awready) aw_word <= awaddr[5:2];
    if (wvalid && wready) begin
      w_data <= wdata;
      w_strb <= wstrb;
    end
  end

  // ---- write: byte enables, the registers, the response
  // The bytes of `data` whose strobe is 1, the others from `old`. (Yosys 0.23
  // takes no `return`: the result is assigned to the function's name.)
  function automatic logic [31:0] merge(input logic [31:0] old, input logic [31:0] data, input logic [3:0] strb);
    for (int i = 0; i < 4; i++) merge[8*i+:8] = strb[i] ? data[8*i+:8] : old[8*i+:8];
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
