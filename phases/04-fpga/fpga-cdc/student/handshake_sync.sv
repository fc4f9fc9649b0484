// handshake_sync: your two-phase req/ack handshake for a WIDTH-bit word
// across clock domains. Protocol and timing: ../README.md.
module handshake_sync #(
    parameter int WIDTH = 16
) (
    input  logic             src_clk,
    input  logic             src_rst,
    input  logic             src_send,    // taken at an edge where src_send && src_ready
    input  logic [WIDTH-1:0] src_data,
    output logic             src_ready,
    input  logic             dst_clk,
    input  logic             dst_rst,
    output logic             dst_valid,   // one dst_clk cycle per word
    output logic [WIDTH-1:0] dst_data
);
  logic [WIDTH-1:0] held;
  logic req, ack;

  // TODO(3): hs_ready, the source side: on src_send && src_ready hold src_data in `held` and toggle req;
  // src_ready = (req == ack synchronized into src_clk with sync_2ff).
  assign src_ready = 1'b1;
  assign held = '0;
  assign req = 1'b0;

  // TODO(4): hs_valid, hs_data_out, the destination side: synchronize req into dst_clk; when it changes,
  // pulse dst_valid for one cycle with dst_data <= held, and set ack to the synchronized req.
  assign ack = 1'b0;
  assign dst_valid = 1'b0;
  assign dst_data = held;
endmodule
