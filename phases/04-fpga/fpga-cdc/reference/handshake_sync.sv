// handshake_sync: a multi-bit word across clock domains with a two-phase
// (toggle) request/acknowledge handshake. The source holds the word in a
// register and toggles `req`; the destination sees the toggle through a
// synchronizer, takes the word (stable by then: it has not changed since req
// toggled) and toggles `ack` back; the source is ready again when ack, through
// its own synchronizer, equals req. Only req and ack cross, one bit each;
// the word is never sampled while it changes.
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
  logic [WIDTH-1:0] held;                 // the word in flight: constant from req toggle to ack
  logic req, ack, req_synced, ack_synced, req_seen;

  always_ff @(posedge src_clk) begin
    if (src_rst) begin
      req  <= 1'b0;
      held <= '0;
    end else if (src_send && src_ready) begin
      held <= src_data;
      req  <= ~req;
    end
  end
  sync_2ff u_ack_sync (.clk(src_clk), .rst(src_rst), .d(ack), .q(ack_synced));
  assign src_ready = req == ack_synced;

  sync_2ff u_req_sync (.clk(dst_clk), .rst(dst_rst), .d(req), .q(req_synced));
  always_ff @(posedge dst_clk) begin
    if (dst_rst) begin
      req_seen  <= 1'b0;
      ack       <= 1'b0;
      dst_valid <= 1'b0;
      dst_data  <= '0;
    end else begin
      req_seen  <= req_synced;
      ack       <= req_synced;                  // acknowledge what was taken
      dst_valid <= req_synced != req_seen;      // a new word
      if (req_synced != req_seen) dst_data <= held;
    end
  end
endmodule
