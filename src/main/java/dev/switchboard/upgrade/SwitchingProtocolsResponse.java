package dev.switchboard.upgrade;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import org.springframework.http.HttpHeaders;

/**
 * Encodes the 101 the client receives, written straight to its connection below the HTTP
 * codec.
 */
final class SwitchingProtocolsResponse {

	/**
	 * Headers a 101 must not carry over: the upgrade pair is set again for this hop, and
	 * a 1xx response has no body, so no length (RFC 9110, 8.6).
	 */
	private static final Set<String> NOT_IN_101 = Set.of("upgrade", "connection", "content-length", "transfer-encoding",
			"keep-alive");

	private static final byte[] STATUS_LINE = "HTTP/1.1 101 Switching Protocols\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private SwitchingProtocolsResponse() {
	}

	static ByteBuf encode(HttpHeaders headers, ByteBufAllocator alloc) {
		ByteBuf head = alloc.buffer(256);
		head.writeBytes(STATUS_LINE);
		for (Map.Entry<String, List<String>> entry : headers.headerSet()) {
			if (NOT_IN_101.contains(entry.getKey().toLowerCase(Locale.ROOT))) {
				continue;
			}
			for (String value : entry.getValue()) {
				head.writeCharSequence(entry.getKey(), StandardCharsets.US_ASCII);
				head.writeByte(':').writeByte(' ');
				head.writeCharSequence(value, StandardCharsets.ISO_8859_1);
				head.writeByte('\r').writeByte('\n');
			}
		}
		head.writeBytes(UPGRADE);
		return head;
	}

}
