package dev.switchboard.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Finds WebSocket frame boundaries in the bytes one side sends, without decoding
 * payloads: data bytes are forwarded as retained slices of the buffers they arrived in,
 * so relaying a message costs no copy. Only frame headers and control frames (at most 131
 * bytes) are looked at. A header or control frame split across reads is held back until
 * it is whole, so the gateway can always act at a frame boundary: refuse an oversized
 * message before any byte of it leaves, swallow a pong it asked for, or slip in a frame
 * of its own.
 *
 * Every header is judged before any byte of its frame is forwarded (RFC 6455, 5.2-5.5):
 * masking as the direction requires, no reserved opcodes, no RSV bits the negotiated
 * extensions do not use, no fragmented or oversized control frames, continuations only
 * inside a message and no new message inside one, close payloads with a code allowed on
 * the wire. A violation stops the scan and is reported; the frame never reaches the other
 * side. Payloads stay undecoded.
 *
 * Runs only on the tunnel's event loop; not thread-safe by design.
 */
final class FrameScanner {

	private final long maxMessageSize;

	/**
	 * Whether frames from this side must be masked (a client's) or must not be (a
	 * server's).
	 */
	private final boolean expectMasked;

	/**
	 * The RSV bits (0x70 of the first byte) the negotiated extensions may set on data
	 * frames.
	 */
	private final int allowedRsv;

	private final Events events;

	private final Target target;

	private final TrafficRecorder recorder;

	/** What this side may send; null when unlimited. */
	private final RateLimit rateLimit;

	/** Payload bytes of the current data frame still to come. */
	private long payloadRemaining;

	/** Size of the message being received so far (fragments add up). */
	private long messageSize;

	/** Bytes of an incomplete header or control frame, kept until the rest arrives. */
	private ByteBuf pending;

	/** Data frames are dropped from now on (the gateway is closing the tunnel). */
	private boolean discardData;

	/** The data frame being scanned is dropped. */
	private boolean dropFrame;

	/**
	 * A data frame without FIN was seen: continuation frames follow until one with FIN.
	 */
	private boolean inMessage;

	private boolean stopped;

	long messages;

	/**
	 * A data frame started since the tunnel last looked: activity for the idle timeout.
	 */
	private boolean dataSeen;

	long bytes;

	/**
	 * A scanner of the bytes one side sends.
	 * @param maxMessageSize largest message (its fragments together) let through
	 * @param expectMasked whether the side sending these bytes is a client (frames
	 * masked)
	 * @param allowedRsv the RSV bits its negotiated extensions may set (see
	 * {@link Frames#allowedRsv})
	 */
	FrameScanner(long maxMessageSize, boolean expectMasked, int allowedRsv, Events events, Target target,
			TrafficRecorder recorder) {
		this(maxMessageSize, expectMasked, allowedRsv, events, target, recorder, null);
	}

	/**
	 * A scanner that also holds the side to its rate limits.
	 * @param rateLimit what the side may send (see {@link RateLimit}), or null for no
	 * limit
	 */
	FrameScanner(long maxMessageSize, boolean expectMasked, int allowedRsv, Events events, Target target,
			TrafficRecorder recorder, RateLimit rateLimit) {
		this.maxMessageSize = maxMessageSize;
		this.rateLimit = rateLimit;
		this.expectMasked = expectMasked;
		this.allowedRsv = allowedRsv;
		this.recorder = recorder;
		this.events = events;
		this.target = target;
	}

	/**
	 * True when no data frame is half forwarded, so a frame may be injected towards the
	 * target.
	 */
	boolean atBoundary() {
		return this.payloadRemaining == 0;
	}

	/**
	 * Whether a frame or a fragmented message has started and not ended: a header or
	 * payload still to come, or continuation frames awaited. Bounded by
	 * {@code frame-timeout}.
	 */
	boolean midFrame() {
		return this.payloadRemaining > 0 || this.pending != null || this.inMessage;
	}

	/** Whether a data frame started since the last call. */
	boolean takeDataSeen() {
		boolean seen = this.dataSeen;
		this.dataSeen = false;
		return seen;
	}

	/**
	 * From now on data frames are dropped (the gateway is closing); control frames are
	 * still seen.
	 */
	void discardData() {
		this.discardData = true;
	}

	/**
	 * Scans {@code in}, forwarding what may pass to the target side. Takes ownership of
	 * {@code in}.
	 */
	void scan(ByteBuf in) {
		if (this.stopped) {
			in.release();
			return;
		}
		if (this.pending != null) {
			in = Unpooled.wrappedBuffer(this.pending, in);
			this.pending = null;
		}
		int end = in.writerIndex();
		int pos = in.readerIndex();
		int from = pos; // [from, pos) is scanned and still to be forwarded
		long messagesBefore = this.messages;
		long bytesBefore = this.bytes;
		// One clock read per read, none without limits: the frames of one read
		// arrived together.
		long now = (this.rateLimit != null) ? System.nanoTime() : 0;
		try {
			while (pos < end) {
				if (this.payloadRemaining > 0) {
					int n = (int) Math.min(this.payloadRemaining, end - pos);
					if (this.dropFrame) {
						from = flush(in, from, pos) + n;
					}
					pos += n;
					this.payloadRemaining -= n;
					if (this.payloadRemaining == 0) {
						from = boundary(in, from, pos);
					}
					continue;
				}
				int available = end - pos;
				if (available < 2) {
					break;
				}
				int b0 = in.getUnsignedByte(pos);
				int b1 = in.getUnsignedByte(pos + 1);
				int opcode = b0 & 0x0F;
				boolean masked = (b1 & 0x80) != 0;
				int length7 = b1 & 0x7F;
				int headerLength = 2 + ((length7 == 126) ? 2 : (length7 == 127) ? 8 : 0) + (masked ? 4 : 0);
				if (available < headerLength) {
					break;
				}
				long length = (length7 == 126) ? in.getUnsignedShort(pos + 2)
						: (length7 == 127) ? in.getLong(pos + 2) : length7;
				String violation = violation(b0, masked, length);
				if (violation != null) {
					stop(in, from, pos);
					this.events.onProtocolError(violation);
					return;
				}
				boolean fin = (b0 & 0x80) != 0;
				if (opcode >= Frames.OP_CLOSE) {
					int frameLength = headerLength + (int) length;
					if (available < frameLength) {
						break;
					}
					byte[] payload = Frames.payload(in, pos + headerLength, (int) length,
							masked ? pos + headerLength - 4 : -1);
					String badClose = (opcode == Frames.OP_CLOSE) ? Frames.closePayloadViolation(payload) : null;
					if (badClose != null) {
						stop(in, from, pos);
						this.events.onProtocolError(badClose);
						return;
					}
					String exceeded = (opcode != Frames.OP_CLOSE) ? exceededLimit(true, length, now) : null;
					if (exceeded != null) {
						stop(in, from, pos);
						this.events.onRateLimited(exceeded);
						return;
					}
					// What came before goes first: the tunnel may write frames of its own
					// in reaction.
					from = flush(in, from, pos);
					if (!this.events.onControlFrame(opcode, payload)) {
						from = pos + frameLength;
					}
					pos += frameLength;
					if (this.stopped) {
						return;
					}
					continue;
				}
				this.inMessage = !fin;
				this.dropFrame = this.discardData;
				this.dataSeen = true;
				if (!this.dropFrame) {
					this.messageSize = (opcode == Frames.OP_CONTINUATION) ? this.messageSize + length : length;
					if (this.messageSize > this.maxMessageSize) {
						// Nothing of this frame leaves; its payload is skipped, and what
						// this side sends
						// next is still scanned, so its answer to the gateway's close is
						// seen.
						from = flush(in, from, pos) + headerLength;
						this.discardData = true;
						this.dropFrame = true;
						this.events.onMessageTooBig(this.messageSize);
					}
					else {
						String exceeded = exceededLimit(opcode != Frames.OP_CONTINUATION, length, now);
						if (exceeded != null) {
							stop(in, from, pos);
							this.events.onRateLimited(exceeded);
							return;
						}
						if (fin) {
							this.messages++;
						}
					}
				}
				else {
					from = flush(in, from, pos) + headerLength;
				}
				pos += headerLength;
				this.payloadRemaining = length;
				if (length == 0) {
					from = boundary(in, from, pos);
				}
			}
			flush(in, from, pos);
			if (pos < end) {
				this.pending = in.copy(pos, end - pos);
			}
		}
		finally {
			in.release();
			if (this.bytes != bytesBefore) {
				this.recorder.record(this.messages - messagesBefore, this.bytes - bytesBefore);
			}
		}
	}

	/**
	 * The rate limit the frame whose header was just read takes this side over, or null.
	 * None while the gateway is closing: the side's data is dropped then anyway, and its
	 * answer to the close must be seen.
	 */
	private String exceededLimit(boolean message, long payloadLength, long now) {
		if (this.rateLimit == null || this.discardData) {
			return null;
		}
		return this.rateLimit.exceeded(message, payloadLength, now);
	}

	/** What is wrong with a frame header, or null when nothing is. */
	private String violation(int b0, boolean masked, long length) {
		int opcode = b0 & 0x0F;
		boolean control = opcode >= Frames.OP_CLOSE;
		if (length < 0) {
			return "frame length with the most significant bit set";
		}
		if (masked != this.expectMasked) {
			return this.expectMasked ? "unmasked frame from a client" : "masked frame from a server";
		}
		if ((opcode > Frames.OP_BINARY && !control) || opcode > Frames.OP_PONG) {
			return "reserved opcode 0x" + Integer.toHexString(opcode);
		}
		int rsv = b0 & 0x70;
		if (rsv != 0 && (control || (rsv & ~this.allowedRsv) != 0)) {
			return "RSV bits 0x" + Integer.toHexString(rsv >> 4) + " set without an extension that uses them";
		}
		if (control) {
			if ((b0 & 0x80) == 0) {
				return "fragmented control frame";
			}
			return (length > 125) ? "control frame longer than 125 bytes" : null;
		}
		if (opcode == Frames.OP_CONTINUATION && !this.inMessage) {
			return "continuation frame outside a fragmented message";
		}
		if (opcode != Frames.OP_CONTINUATION && this.inMessage) {
			return "new message before the fragmented one ended";
		}
		return null;
	}

	/** At a frame boundary: lets the target write a frame it was holding back, if any. */
	private int boundary(ByteBuf in, int from, int pos) {
		if (!this.target.hasHeldFrame()) {
			return from;
		}
		int next = flush(in, from, pos);
		this.target.onBoundary();
		return next;
	}

	/**
	 * Forwards {@code [from, to)} and returns where what is still to be forwarded starts.
	 */
	private int flush(ByteBuf in, int from, int to) {
		if (to > from) {
			this.bytes += to - from;
			this.target.forward(in.retainedSlice(from, to - from));
		}
		return to;
	}

	private void stop(ByteBuf in, int from, int pos) {
		flush(in, from, pos);
		this.stopped = true;
	}

	void release() {
		if (this.pending != null) {
			this.pending.release();
			this.pending = null;
		}
	}

	/** What the scanner reports to the tunnel. */
	interface Events {

		/** A whole control frame arrived; return true to forward it unchanged. */
		boolean onControlFrame(int opcode, byte[] payload);

		/**
		 * A message grew past the size limit; nothing of the offending frame was
		 * forwarded.
		 */
		void onMessageTooBig(long size);

		/**
		 * A frame that no endpoint may send (oversized control frame, length with the top
		 * bit set).
		 */
		void onProtocolError(String problem);

		/**
		 * The side went over a rate limit; nothing of the offending frame was forwarded
		 * and the scan stopped.
		 * @param setting the limit it went over ({@code max-messages-per-second} or
		 * {@code max-bytes-per-second})
		 */
		void onRateLimited(String setting);

	}

	/** Where scanned bytes go: the other side of the tunnel. */
	interface Target {

		/** Takes ownership of relayed bytes. */
		void forward(ByteBuf bytes);

		/** Whether a frame of the gateway's own waits for the next frame boundary. */
		boolean hasHeldFrame();

		/** A frame boundary in the relayed bytes: the held frame may be written now. */
		void onBoundary();

	}

}
