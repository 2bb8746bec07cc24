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
 * Runs only on the tunnel's event loop; not thread-safe by design.
 */
final class FrameScanner {

	private final long maxMessageSize;

	private final Events events;

	private final Target target;

	private final TrafficRecorder recorder;

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

	private boolean stopped;

	long messages;

	/**
	 * A data frame started since the tunnel last looked: activity for the idle timeout.
	 */
	private boolean dataSeen;

	long bytes;

	FrameScanner(long maxMessageSize, Events events, Target target, TrafficRecorder recorder) {
		this.maxMessageSize = maxMessageSize;
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
				if (length < 0 || (opcode >= Frames.OP_CLOSE && length > 125)) {
					stop(in, from, pos);
					this.events.onProtocolError((length < 0) ? "frame length with the most significant bit set"
							: "control frame longer than 125 bytes");
					return;
				}
				if (opcode >= Frames.OP_CLOSE) {
					int frameLength = headerLength + (int) length;
					if (available < frameLength) {
						break;
					}
					byte[] payload = Frames.payload(in, pos + headerLength, (int) length,
							masked ? pos + headerLength - 4 : -1);
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
				this.dropFrame = this.discardData;
				this.dataSeen = true;
				if (!this.dropFrame) {
					this.messageSize = (opcode == Frames.OP_CONTINUATION) ? this.messageSize + length : length;
					if (this.messageSize > this.maxMessageSize) {
						stop(in, from, pos);
						this.events.onMessageTooBig(this.messageSize);
						return;
					}
					if ((b0 & 0x80) != 0) {
						this.messages++;
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
