package dev.switchboard.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal, allocation-light WebSocket client connection (RFC 6455), written for the
 * load generator:
 * <ul>
 * <li>its own HTTP/1.1 upgrade request, checking "101" and Sec-WebSocket-Accept;</li>
 * <li>a streaming frame parser that never aggregates payloads: it only reads the first 8
 * bytes of each message (the latency workload's timestamp) and skips the rest, so a 1 MiB
 * echo costs no copy;</li>
 * <li>client frames are masked (as the RFC requires) with one random mask key per
 * connection, so a payload can be masked once ({@link #preMask}) and then written again
 * and again as a shared read-only buffer: header + payload go out in one gathering write,
 * with no per-message copy.</li>
 * </ul>
 * All methods run on the channel's event loop.
 */
final class WsConn extends ChannelInboundHandlerAdapter {

	static final int OP_CONT = 0;
	static final int OP_TEXT = 1;
	static final int OP_BINARY = 2;
	static final int OP_CLOSE = 8;
	static final int OP_PING = 9;
	static final int OP_PONG = 10;

	private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

	private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
		try {
			return MessageDigest.getInstance("SHA-1");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	});

	/** Callbacks, invoked on the event loop. */
	interface Events {

		default void onOpen(WsConn c) {
		}

		/**
		 * A complete message: its opcode, its first (up to) 8 payload bytes big-endian,
		 * its length.
		 */
		default void onMessage(WsConn c, int opcode, long first8, long length) {
		}

		default void onCloseFrame(WsConn c, int code) {
		}

		default void onClosed(WsConn c) {
		}

		default void onFailure(WsConn c, String why) {
		}

	}

	static final int CONNECTING = 0;
	static final int HANDSHAKING = 1;
	static final int OPEN = 2;
	static final int CLOSED = 3;

	final Events events;

	final String hostHeader;

	final String path;

	final int maskKey;

	final byte[] mask = new byte[4];

	Channel ch;

	int state = CONNECTING;

	boolean closeSent;

	boolean closeReceived;

	int closeCode = -1;

	String failure;

	// per-workload scratch fields
	boolean settled;

	boolean ready;

	boolean dirty;

	long t0;

	long tOpen;

	long tEcho;

	long next;

	long count;

	int index;

	ByteBuf payload;

	private String expectedAccept;

	private ByteBuf hsAcc;

	// frame parser state
	private final byte[] hdr = new byte[14];

	private int hdrLen;

	private int hdrNeed = 2;

	private boolean inPayload;

	private int opcode;

	private boolean fin;

	private boolean frameMasked;

	private final byte[] frameMask = new byte[4];

	private long remaining;

	private long framePos;

	private int msgOpcode;

	private long msgFirst8;

	private long msgLen;

	private final byte[] ctrl = new byte[125];

	private int ctrlLen;

	/**
	 * Extra request header lines ("Name: value\r\n"...), from loadgen --header; the same
	 * for every connection.
	 */
	static volatile String extraHeaders = "";

	WsConn(Events events, String hostHeader, String path) {
		this.events = events;
		this.hostHeader = hostHeader;
		this.path = path;
		int k;
		do {
			k = ThreadLocalRandom.current().nextInt();
		}
		while (k == 0 || (k & 0xff) == 0 || (k >>> 24) == 0);
		this.maskKey = k;
		mask[0] = (byte) (k >>> 24);
		mask[1] = (byte) (k >>> 16);
		mask[2] = (byte) (k >>> 8);
		mask[3] = (byte) k;
	}

	/**
	 * The payload masked with this connection's key, as a shared read-only buffer (write
	 * {@code .duplicate()}).
	 */
	ByteBuf preMask(byte[] content) {
		ByteBuf b = Unpooled.directBuffer(content.length, content.length);
		for (int i = 0; i < content.length; i++) {
			b.writeByte(content[i] ^ mask[i & 3]);
		}
		return Unpooled.unreleasableBuffer(b);
	}

	// ------------------------------------------------------------------ handshake

	@Override
	public void channelActive(ChannelHandlerContext ctx) {
		ch = ctx.channel();
		state = HANDSHAKING;
		byte[] keyBytes = new byte[16];
		ThreadLocalRandom.current().nextBytes(keyBytes);
		String key = Base64.getEncoder().encodeToString(keyBytes);
		MessageDigest sha1 = SHA1.get();
		sha1.reset();
		sha1.update(key.getBytes(StandardCharsets.US_ASCII));
		sha1.update(GUID);
		expectedAccept = Base64.getEncoder().encodeToString(sha1.digest());
		String req = "GET " + path + " HTTP/1.1\r\n" + "Host: " + hostHeader + "\r\n" + "Upgrade: websocket\r\n"
				+ "Connection: Upgrade\r\n" + "Sec-WebSocket-Key: " + key + "\r\n" + "Sec-WebSocket-Version: 13\r\n"
				+ extraHeaders + "\r\n";
		ch.writeAndFlush(Unpooled.wrappedBuffer(req.getBytes(StandardCharsets.US_ASCII)));
		ctx.fireChannelActive();
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		ByteBuf in = (ByteBuf) msg;
		try {
			if (state == HANDSHAKING) {
				if (hsAcc == null) {
					hsAcc = ctx.alloc().heapBuffer(512);
				}
				hsAcc.writeBytes(in);
				int end = indexOfCrlfCrlf(hsAcc);
				if (end < 0) {
					if (hsAcc.readableBytes() > 16384) {
						fail("handshake response too large");
					}
					return;
				}
				String head = hsAcc.toString(hsAcc.readerIndex(), end - hsAcc.readerIndex(),
						StandardCharsets.ISO_8859_1);
				hsAcc.readerIndex(end + 4);
				String why = checkHandshake(head);
				if (why != null) {
					fail(why);
					return;
				}
				state = OPEN;
				ByteBuf rest = hsAcc;
				hsAcc = null;
				try {
					events.onOpen(this);
					if (rest.isReadable() && state == OPEN) {
						parse(rest);
					}
				}
				finally {
					rest.release();
				}
			}
			else if (state == OPEN) {
				parse(in);
			}
		}
		finally {
			in.release();
		}
	}

	private String checkHandshake(String head) {
		int eol = head.indexOf("\r\n");
		String status = eol < 0 ? head : head.substring(0, eol);
		if (!status.startsWith("HTTP/1.1 101")) {
			return "handshake refused: " + status;
		}
		String accept = null;
		for (int pos = eol + 2; eol > 0 && pos < head.length();) {
			int end = head.indexOf("\r\n", pos);
			if (end < 0) {
				end = head.length();
			}
			int c = head.indexOf(':', pos);
			if (c > pos && c < end && head.regionMatches(true, pos, "sec-websocket-accept", 0, c - pos)
					&& c - pos == "sec-websocket-accept".length()) {
				accept = head.substring(c + 1, end).trim();
			}
			pos = end + 2;
		}
		if (!expectedAccept.equals(accept)) {
			return "bad Sec-WebSocket-Accept: " + accept;
		}
		return null;
	}

	private static int indexOfCrlfCrlf(ByteBuf b) {
		int end = b.writerIndex() - 3;
		for (int i = b.readerIndex(); i < end; i++) {
			if (b.getByte(i) == '\r' && b.getByte(i + 1) == '\n' && b.getByte(i + 2) == '\r'
					&& b.getByte(i + 3) == '\n') {
				return i;
			}
		}
		return -1;
	}

	// ------------------------------------------------------------------ frame parser

	private void parse(ByteBuf in) {
		while (in.isReadable() && state == OPEN) {
			if (!inPayload) {
				hdr[hdrLen++] = in.readByte();
				if (hdrLen == 2) {
					int l7 = hdr[1] & 0x7f;
					hdrNeed = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((hdr[1] & 0x80) != 0 ? 4 : 0);
				}
				if (hdrLen >= 2 && hdrLen == hdrNeed) {
					decodeHeader();
					hdrLen = 0;
					hdrNeed = 2;
					if (remaining == 0) {
						frameDone();
					}
					else {
						inPayload = true;
					}
				}
				continue;
			}
			int n = (int) Math.min(remaining, in.readableBytes());
			if (opcode >= OP_CLOSE) {
				int k = Math.min(n, ctrl.length - ctrlLen);
				in.readBytes(ctrl, ctrlLen, k);
				for (int i = 0; frameMasked && i < k; i++) {
					ctrl[ctrlLen + i] ^= frameMask[(int) ((framePos + i) & 3)];
				}
				ctrlLen += k;
				in.skipBytes(n - k);
			}
			else {
				if (msgLen < 8) {
					int k = (int) Math.min(8 - msgLen, n);
					int ri = in.readerIndex();
					for (int i = 0; i < k; i++) {
						int v = in.getByte(ri + i);
						if (frameMasked) {
							v ^= frameMask[(int) ((framePos + i) & 3)];
						}
						msgFirst8 = (msgFirst8 << 8) | (v & 0xff);
					}
				}
				in.skipBytes(n);
				msgLen += n;
			}
			framePos += n;
			remaining -= n;
			if (remaining == 0) {
				inPayload = false;
				frameDone();
			}
		}
	}

	private void decodeHeader() {
		fin = (hdr[0] & 0x80) != 0;
		opcode = hdr[0] & 0x0f;
		frameMasked = (hdr[1] & 0x80) != 0;
		int l7 = hdr[1] & 0x7f;
		int p = 2;
		long len;
		if (l7 == 126) {
			len = ((hdr[2] & 0xff) << 8) | (hdr[3] & 0xff);
			p = 4;
		}
		else if (l7 == 127) {
			len = 0;
			for (int i = 0; i < 8; i++) {
				len = (len << 8) | (hdr[2 + i] & 0xff);
			}
			p = 10;
		}
		else {
			len = l7;
		}
		if (frameMasked) {
			System.arraycopy(hdr, p, frameMask, 0, 4);
		}
		remaining = len;
		framePos = 0;
		if (opcode >= OP_CLOSE) {
			ctrlLen = 0;
		}
		else if (opcode != OP_CONT) {
			msgOpcode = opcode;
			msgFirst8 = 0;
			msgLen = 0;
		}
	}

	private void frameDone() {
		switch (opcode) {
			case OP_CONT, OP_TEXT, OP_BINARY -> {
				if (fin) {
					long f8 = msgFirst8;
					if (msgLen < 8) {
						f8 <<= 8 * (8 - msgLen);
					}
					events.onMessage(this, msgOpcode, f8, msgLen);
				}
			}
			case OP_CLOSE -> {
				closeReceived = true;
				closeCode = ctrlLen >= 2 ? ((ctrl[0] & 0xff) << 8) | (ctrl[1] & 0xff) : 1005;
				if (!closeSent) {
					sendClose(closeCode == 1005 ? 1000 : closeCode);
					ch.flush();
				}
				events.onCloseFrame(this, closeCode);
			}
			case OP_PING -> {
				ch.write(frame(OP_PING + 1, ctrl, ctrlLen));
				ch.flush();
			}
			default -> {
				// pong or reserved: ignore
			}
		}
	}

	// ------------------------------------------------------------------ writers (no
	// flush; callers flush)

	private ByteBuf header(ByteBufAllocator alloc, int op, long len, int extra) {
		int ext = len < 126 ? 0 : len <= 0xffff ? 2 : 8;
		ByteBuf b = alloc.directBuffer(2 + ext + 4 + extra);
		b.writeByte(0x80 | op);
		if (ext == 0) {
			b.writeByte(0x80 | (int) len);
		}
		else if (ext == 2) {
			b.writeByte(0x80 | 126);
			b.writeShort((int) len);
		}
		else {
			b.writeByte(0x80 | 127);
			b.writeLong(len);
		}
		b.writeInt(maskKey);
		return b;
	}

	/** A complete masked frame with a copied payload (control frames, small messages). */
	ByteBuf frame(int op, byte[] data, int len) {
		ByteBuf b = header(ch.alloc(), op, len, len);
		for (int i = 0; i < len; i++) {
			b.writeByte(data[i] ^ mask[i & 3]);
		}
		return b;
	}

	/** Writes one message whose payload was masked beforehand with {@link #preMask}. */
	void writePreMasked(int op, ByteBuf preMasked) {
		int len = preMasked.readableBytes();
		dirty = true;
		ch.write(header(ch.alloc(), op, len, 0), ch.voidPromise());
		ch.write(preMasked.duplicate(), ch.voidPromise());
	}

	/**
	 * Writes one message whose first 8 payload bytes are {@code stamp} (masked here) and
	 * whose remaining bytes are taken from {@code preMasked} (a payload of the full
	 * length, masked beforehand).
	 */
	void writeStamped(int op, long stamp, ByteBuf preMasked) {
		int len = preMasked.readableBytes();
		dirty = true;
		ByteBuf b = header(ch.alloc(), op, len, 8);
		for (int i = 0; i < 8; i++) {
			b.writeByte((int) (stamp >>> (56 - 8 * i)) ^ mask[i & 3]);
		}
		ch.write(b, ch.voidPromise());
		if (len > 8) {
			ch.write(preMasked.slice(preMasked.readerIndex() + 8, len - 8), ch.voidPromise());
		}
	}

	void sendText(byte[] data) {
		dirty = true;
		ch.write(frame(OP_TEXT, data, data.length), ch.voidPromise());
	}

	/**
	 * Flushes now (writes made inside a read callback are flushed at the end of the read
	 * anyway).
	 */
	void flush() {
		dirty = false;
		ch.flush();
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		if (dirty) {
			dirty = false;
			ctx.flush();
		}
		ctx.fireChannelReadComplete();
	}

	/**
	 * The channel could not be connected at all (no channelActive/channelInactive will
	 * follow).
	 */
	void connectFailed(Throwable cause) {
		state = CLOSED;
		failure = "connect failed: " + cause;
		events.onFailure(this, failure);
		events.onClosed(this);
	}

	void sendClose(int code) {
		if (closeSent || ch == null) {
			return;
		}
		closeSent = true;
		dirty = true;
		byte[] p = { (byte) (code >>> 8), (byte) code };
		ch.write(frame(OP_CLOSE, p, 2), ch.voidPromise());
	}

	// ------------------------------------------------------------------ lifecycle

	void fail(String why) {
		if (failure == null) {
			failure = why;
		}
		if (state != CLOSED) {
			events.onFailure(this, why);
		}
		if (ch != null) {
			ch.close();
		}
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		int was = state;
		state = CLOSED;
		if (hsAcc != null) {
			hsAcc.release();
			hsAcc = null;
		}
		if (was == HANDSHAKING && failure == null) {
			failure = "connection closed during handshake";
			events.onFailure(this, failure);
		}
		events.onClosed(this);
		ctx.fireChannelInactive();
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		fail(String.valueOf(cause));
	}

}
