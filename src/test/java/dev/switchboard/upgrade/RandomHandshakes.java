package dev.switchboard.upgrade;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import dev.switchboard.support.RawWebSocket;

/**
 * Mutated WebSocket handshake heads: a valid HTTP/1.1 handshake for {@code /ws} with one
 * to three random mutations applied (see {@link Mutation}). Seeded, so a failing case can
 * be replayed: case {@code i} of seed {@code s} depends on nothing else.
 */
final class RandomHandshakes {

	/** An answer status that means the gateway closed the connection without one. */
	static final int CLOSED = 0;

	/**
	 * A pseudo status: the connection was reset before an answer could be read. Allowed
	 * only where the decoder refuses a head too large (414, 431) part-way: the gateway
	 * answers and closes with the rest of the head unread, so its kernel may send a reset
	 * that overtakes the answer.
	 */
	static final int RESET = 1;

	static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

	private RandomHandshakes() {
	}

	/** Case {@code index} of {@code seed}. */
	static Case of(long seed, int index) {
		Random random = new Random(seed * 1_000_003L + index);
		Head head = new Head();
		int count = 1 + random.nextInt(3);
		Set<Mutation> applied = EnumSet.noneOf(Mutation.class);
		List<String> notes = new ArrayList<>();
		Mutation[] all = Mutation.values();
		for (int i = 0; i < count; i++) {
			Mutation mutation = all[random.nextInt(all.length)];
			if (mutation == Mutation.INCOMPLETE && i < count - 1) {
				// Cut last, so nothing is appended after the cut.
				continue;
			}
			applied.add(mutation);
			notes.add(mutation.apply(head, random));
		}
		return new Case(index, head.render(), applied, String.join("; ", notes));
	}

	static String scramble(String text, Random random) {
		StringBuilder out = new StringBuilder(text.length());
		for (char c : text.toCharArray()) {
			out.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
		}
		return out.toString();
	}

	static String escape(String text) {
		StringBuilder out = new StringBuilder();
		for (char c : text.toCharArray()) {
			out.append((c < 0x20 || c >= 0x7F) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
		}
		return (out.length() > 60) ? out.substring(0, 60) + "... (" + text.length() + " chars)" : out.toString();
	}

	/** One fuzz case: the bytes sent and the mutations that made them. */
	record Case(int index, byte[] bytes, Set<Mutation> mutations, String notes) {

		/**
		 * Statuses allowed as answers: the union over the mutations applied, with
		 * {@link #CLOSED} only when a mutation says the decoder cannot answer.
		 */
		Set<Integer> allowed() {
			Set<Integer> allowed = new TreeSet<>();
			for (Mutation mutation : this.mutations) {
				allowed.addAll(mutation.allowed);
			}
			if (allowed.contains(414) || allowed.contains(431)) {
				allowed.add(RESET);
			}
			if (this.mutations.contains(Mutation.INCOMPLETE)) {
				// A cut head gets no 101: the head never ends.
				allowed.remove(101);
			}
			return allowed;
		}

		/** The bytes with CR, LF and anything not printable ASCII escaped. */
		String printable() {
			StringBuilder text = new StringBuilder();
			int shown = Math.min(this.bytes.length, 600);
			for (int i = 0; i < shown; i++) {
				int b = this.bytes[i] & 0xFF;
				if (b == '\r') {
					text.append("\\r");
				}
				else if (b == '\n') {
					text.append("\\n");
				}
				else if (b < 0x20 || b >= 0x7F) {
					text.append(String.format("\\x%02x", b));
				}
				else {
					text.append((char) b);
				}
			}
			return text + ((this.bytes.length > shown) ? "... (" + this.bytes.length + " bytes)" : "");
		}

	}

	/**
	 * A handshake head being mutated: the request line's parts, the header lines as sent
	 * (not necessarily "name: value"), and byte-level changes applied when rendered.
	 */
	static final class Head {

		String method = "GET";

		String target = "/ws";

		String version = "HTTP/1.1";

		/** Between method and target, and between target and version. */
		String space = " ";

		final List<String> headers = new ArrayList<>(List.of("Host: localhost", "Upgrade: websocket",
				"Connection: Upgrade", "Sec-WebSocket-Key: " + KEY, "Sec-WebSocket-Version: 13"));

		String prefix = "";

		/** Bytes after the blank line. */
		byte[] suffix = new byte[0];

		/** Line ends rendered as a bare LF: none, some (at random) or all. */
		int bareLf;

		Random bareLfRandom;

		/** Where to put a byte into the rendered head, and which. */
		final List<int[]> insertions = new ArrayList<>();

		/**
		 * Cut the rendered head to this fraction of its length, before its blank line.
		 */
		double cut = -1;

		byte[] render() {
			StringBuilder text = new StringBuilder(this.prefix);
			text.append(this.method).append(this.space).append(this.target).append(this.space).append(this.version);
			text.append("\r\n");
			for (String header : this.headers) {
				text.append(header).append("\r\n");
			}
			text.append("\r\n");
			String head = text.toString();
			if (this.bareLf > 0) {
				StringBuilder lf = new StringBuilder();
				for (int i = 0; i < head.length(); i++) {
					char c = head.charAt(i);
					boolean crlf = c == '\r' && i + 1 < head.length() && head.charAt(i + 1) == '\n';
					if (!crlf || (this.bareLf == 1 && this.bareLfRandom.nextBoolean())) {
						lf.append(c);
					}
				}
				head = lf.toString();
			}
			byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
			for (int[] insertion : this.insertions) {
				// Anywhere before the final line end (1 or 2 bytes).
				int at = insertion[0] % Math.max(1, bytes.length - 2);
				byte[] longer = new byte[bytes.length + 1];
				System.arraycopy(bytes, 0, longer, 0, at);
				longer[at] = (byte) insertion[1];
				System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
				bytes = longer;
			}
			if (this.cut >= 0) {
				int end = endOfHead(bytes);
				int length = 1 + (int) (this.cut * (end - 1));
				byte[] cut = new byte[length];
				System.arraycopy(bytes, 0, cut, 0, length);
				return cut;
			}
			byte[] all = new byte[bytes.length + this.suffix.length];
			System.arraycopy(bytes, 0, all, 0, bytes.length);
			System.arraycopy(this.suffix, 0, all, bytes.length, this.suffix.length);
			return all;
		}

		/** Where the first blank line starts (CRLF or bare LF line ends). */
		private static int endOfHead(byte[] bytes) {
			for (int i = 0; i + 1 < bytes.length; i++) {
				if (bytes[i] == '\n' && (bytes[i + 1] == '\n'
						|| (bytes[i + 1] == '\r' && i + 2 < bytes.length && bytes[i + 2] == '\n'))) {
					return i;
				}
			}
			return bytes.length - 1;
		}

		int indexOf(String name) {
			for (int i = 0; i < this.headers.size(); i++) {
				if (this.headers.get(i).toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":")) {
					return i;
				}
			}
			return -1;
		}

		void set(String name, String value) {
			int at = indexOf(name);
			if (at >= 0) {
				this.headers.set(at, name + ": " + value);
			}
			else {
				this.headers.add(name + ": " + value);
			}
		}

	}

	/**
	 * The mutation classes, each with the answers it may draw: {@code 101} when it may be
	 * harmless, {@link #CLOSED} when the HTTP decoder cannot produce an answer.
	 */
	enum Mutation {

		/**
		 * One of the six headers left out. Without Upgrade or Connection the request is
		 * plain HTTP, forwarded: the backend's /ws answers it 400 (not a handshake), 404
		 * with another method.
		 */
		DROP_HEADER(400, 404, 426) {
			@Override
			String mutate(Head head, Random random) {
				String dropped = head.headers.remove(random.nextInt(head.headers.size()));
				return "dropped " + dropped;
			}
		},

		/**
		 * One header line sent twice: two Hosts or two keys are refused, the rest pass.
		 */
		DUPLICATE_HEADER(101, 400) {
			@Override
			String mutate(Head head, Random random) {
				int at = random.nextInt(head.headers.size());
				head.headers.add(random.nextInt(head.headers.size() + 1), head.headers.get(at));
				return "duplicated " + head.headers.get(at);
			}
		},

		/** Header lines in another order: harmless. */
		REORDER(101) {
			@Override
			String mutate(Head head, Random random) {
				Collections.shuffle(head.headers, random);
				return "reordered";
			}
		},

		/** Header names and the Upgrade/Connection values in other letter cases. */
		LETTER_CASE(101) {
			@Override
			String mutate(Head head, Random random) {
				for (int i = 0; i < head.headers.size(); i++) {
					String line = head.headers.get(i);
					int colon = line.indexOf(':');
					if (colon < 0) {
						continue;
					}
					String name = scramble(line.substring(0, colon), random);
					String value = line.substring(colon);
					if (name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("connection")) {
						value = scramble(value, random);
					}
					head.headers.set(i, name + value);
				}
				return "letter case";
			}
		},

		/**
		 * A value replaced with something bad: empty, oversized, control characters,
		 * non-ASCII, only spaces.
		 */
		BAD_VALUE(101, 400, 404, 426, 431) {
			@Override
			String mutate(Head head, Random random) {
				String[] names = { "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
						"Origin", "X-Fuzz", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Cookie" };
				String name = names[random.nextInt(names.length)];
				String value = switch (random.nextInt(6)) {
					case 0 -> "";
					case 1 -> "v".repeat(1 + random.nextInt(12_000));
					case 2 -> "a" + (char) random.nextInt(0x20) + "b";
					case 3 -> "a\u007fb";
					case 4 -> new String("väl€ue".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
					default -> "   ";
				};
				head.set(name, value);
				return name + " = " + escape(value);
			}
		},

		/** A header name that is not a token: spaces, colons, non-ASCII, empty. */
		BAD_NAME(400) {
			@Override
			String mutate(Head head, Random random) {
				String line = switch (random.nextInt(6)) {
					case 0 -> "X Fuzz: 1";
					case 1 -> ": no name";
					case 2 -> "X-F\u00e9zz: 1";
					case 3 -> "X-Fuzz\u0001: 1";
					case 4 -> "no colon at all";
					default -> "X(Fuzz): 1";
				};
				head.headers.add(random.nextInt(head.headers.size() + 1), line);
				return "header line " + escape(line);
			}
		},

		/**
		 * A space or a second colon after a header name: refused (426 when the version's
		 * value becomes ": 13"; plain HTTP, 400 or 404, when Upgrade's becomes ":
		 * websocket").
		 */
		NAME_COLON(400, 404, 426) {
			@Override
			String mutate(Head head, Random random) {
				int at = random.nextInt(head.headers.size());
				String line = head.headers.get(at);
				String mutated = random.nextBoolean() ? line.replaceFirst(":", " :") : line.replaceFirst(":", "::");
				head.headers.set(at, mutated);
				return escape(mutated);
			}
		},

		/** A key that is not 24 base64 characters of 16 bytes. */
		BAD_KEY(400) {
			@Override
			String mutate(Head head, Random random) {
				byte[] raw = new byte[random.nextInt(40)];
				random.nextBytes(raw);
				String key = switch (random.nextInt(5)) {
					case 0 -> (raw.length == 16) ? "" : Base64.getEncoder().encodeToString(raw);
					case 1 -> "!!!!not-base64-at-all!!!!";
					case 2 -> KEY.substring(0, random.nextInt(KEY.length()));
					case 3 -> KEY + KEY;
					default -> "dGhlIHNhbXBs ZSBub25jZQ==";
				};
				head.set("Sec-WebSocket-Key", key);
				return "key " + escape(key);
			}
		},

		/** Another valid key, padded with spaces or not: harmless. */
		OTHER_KEY(101) {
			@Override
			String mutate(Head head, Random random) {
				byte[] raw = new byte[16];
				random.nextBytes(raw);
				String key = Base64.getEncoder().encodeToString(raw);
				head.set("Sec-WebSocket-Key", random.nextBoolean() ? key : "  " + key + "\t");
				return "key " + key;
			}
		},

		/** Sec-WebSocket-Version other than 13. */
		BAD_VERSION(426) {
			@Override
			String mutate(Head head, Random random) {
				String[] versions = { "8", "12", "14", "13, 8", "", "013", "1 3", "thirteen", "-13", "99999999999" };
				String version = versions[random.nextInt(versions.length)];
				head.set("Sec-WebSocket-Version", version);
				return "version " + version;
			}
		},

		/** A request target or header line longer than the decoder takes. */
		HUGE_LINE(414, 431, 400) {
			@Override
			String mutate(Head head, Random random) {
				if (random.nextBoolean()) {
					head.target = "/ws?" + "q".repeat(4_100 + random.nextInt(20_000));
					return "target of " + head.target.length();
				}
				head.headers.add("X-Huge: " + "h".repeat(8_200 + random.nextInt(20_000)));
				return "huge header line";
			}
		},

		/**
		 * A value continued on the next line (obs-fold): refused, or unfolded into one
		 * value (a folded Upgrade or Connection makes plain HTTP: 400, 404).
		 */
		OBS_FOLD(101, 400, 404, 426) {
			@Override
			String mutate(Head head, Random random) {
				int at = random.nextInt(head.headers.size() + 1);
				String fold = (random.nextBoolean() ? " " : "\t") + "folded";
				if (at == head.headers.size()) {
					head.headers.add(0, fold);
					return "fold as the first header line";
				}
				head.headers.add(at + 1, fold);
				return "fold after " + head.headers.get(at);
			}
		},

		/**
		 * Line ends as bare LF instead of CRLF, some or all: the decoder refuses them.
		 */
		BARE_LF(400) {
			@Override
			String mutate(Head head, Random random) {
				head.bareLf = 1 + random.nextInt(2);
				head.bareLfRandom = new Random(random.nextLong());
				return (head.bareLf == 1) ? "some bare LF" : "all bare LF";
			}
		},

		/** A NUL, bare CR or other control byte somewhere in the head: refused. */
		CONTROL_BYTE(400) {
			@Override
			String mutate(Head head, Random random) {
				int[] bytes = { 0x00, '\r', 0x01, 0x1b, 0x7f, 0x0b, 0x0c };
				int b = bytes[random.nextInt(bytes.length)];
				head.insertions.add(new int[] { random.nextInt(Integer.MAX_VALUE), b });
				return String.format("byte 0x%02x inserted", b);
			}
		},

		/**
		 * The head cut before its blank line: no answer is possible; the client header
		 * timeout closes the connection.
		 */
		INCOMPLETE(CLOSED) {
			@Override
			String mutate(Head head, Random random) {
				head.cut = random.nextDouble();
				return "cut at " + (int) (head.cut * 100) + "%";
			}
		},

		/**
		 * Another method: refused as a handshake (400); as plain HTTP (the upgrade
		 * headers also mutated) the backend has no route for it (404).
		 */
		METHOD(400) {
			@Override
			String mutate(Head head, Random random) {
				String[] methods = { "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get",
						"GETX", "G", "FUZZ" };
				head.method = methods[random.nextInt(methods.length)];
				return "method " + head.method;
			}
		},

		/**
		 * A method that is not a token: control or non-ASCII bytes, parentheses, empty.
		 */
		BAD_METHOD(400) {
			@Override
			String mutate(Head head, Random random) {
				String[] methods = { "G\u0001T", "GE\u00c4", "", "G(T)" };
				head.method = methods[random.nextInt(methods.length)];
				return "method " + escape(head.method);
			}
		},

		/** Other request targets: absolute form, queries, percent-encoding, odd forms. */
		TARGET(101, 400, 404) {
			@Override
			String mutate(Head head, Random random) {
				String[] targets = { "http://localhost/ws", "http://other.example:81/ws?x=1", "ws://localhost/ws", "*",
						"/ws?a=b&c", "/ws/%2e%2e/ws", "/WS", "//ws", "/ws#fragment", "ws", "/ws?%zz", "/%77%73",
						"/w\u00e9s", "/ws/../ws", "/ws;jsessionid=1", "/ws?" + "%00", "/ws%20x", "localhost:80",
						"/ws?q=" + "\u00ff" };
				head.target = targets[random.nextInt(targets.length)];
				return "target " + escape(head.target);
			}
		},

		/**
		 * Another protocol version in the request line: refused, or taken as HTTP/1.x
		 * (http/1.1, HTTP/1.2 become 101).
		 */
		PROTOCOL(101, 400, 404, 505) {
			@Override
			String mutate(Head head, Random random) {
				String[] versions = { "HTTP/1.0", "HTTP/2.0", "HTTP/2", "HTTP/1.2", "HTTP/3.0", "http/1.1", "HTTP/1.1x",
						"HTTP/11", "HTTP/", "FOO/1.1", "HTTP/1.1 extra", "HTTP/9.9" };
				head.version = versions[random.nextInt(versions.length)];
				return "version " + head.version;
			}
		},

		/** The request line without a version (HTTP/0.9) or with doubled spaces. */
		REQUEST_LINE(400, 404, 101) {
			@Override
			String mutate(Head head, Random random) {
				switch (random.nextInt(3)) {
					case 0 -> head.version = "";
					case 1 -> head.space = "  ";
					default -> head.space = "\t";
				}
				return "request line " + escape(head.method + head.space + head.target + head.space + head.version);
			}
		},

		/**
		 * Content-Length and Transfer-Encoding on the GET, with the body they announce (a
		 * body announced and never sent is not bounded on plain HTTP: see the test).
		 */
		BODY(101, 400) {
			@Override
			String mutate(Head head, Random random) {
				int variant = random.nextInt(6);
				switch (variant) {
					case 0 -> head.headers.add("Content-Length: 0");
					case 1 -> {
						head.headers.add("Content-Length: 5");
						head.suffix = "hello".getBytes(StandardCharsets.ISO_8859_1);
					}
					case 2 -> {
						head.headers.add("Transfer-Encoding: chunked");
						head.suffix = "5\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
					}
					case 3 -> {
						head.headers.add("Content-Length: 5");
						head.headers.add("Transfer-Encoding: chunked");
						head.suffix = "5\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
					}
					case 4 -> head.headers.add("Content-Length: -1");
					default -> head.headers.add("Content-Length: 1, 2");
				}
				return "body variant " + variant;
			}
		},

		/**
		 * Many headers: under the decoder's limit they pass, over it they are refused.
		 */
		MANY_HEADERS(101, 431, 400) {
			@Override
			String mutate(Head head, Random random) {
				int count = 1 + random.nextInt(random.nextBoolean() ? 200 : 1_500);
				for (int i = 0; i < count; i++) {
					head.headers.add("X-Fuzz-" + i + ": " + i);
				}
				return count + " more headers";
			}
		},

		/** Host values: several, a list, empty, with user info, non-ASCII, IPv6. */
		HOST(101, 400) {
			@Override
			String mutate(Head head, Random random) {
				String[] hosts = { "a, b", "", "user@localhost", "l\u00f6calhost", "[::1]:8080", "localhost:99999",
						"local host", "localhost/x", "127.0.0.1:", "%6c%6f" };
				if (random.nextInt(4) == 0) {
					head.headers.add(random.nextInt(head.headers.size() + 1), "Host: other");
					return "a second Host";
				}
				String host = hosts[random.nextInt(hosts.length)];
				head.set("Host", host);
				return "Host " + escape(host);
			}
		},

		/**
		 * Other Upgrade and Connection values: lists pass, other values make plain HTTP
		 * (the backend's 400, or 404 with another method).
		 */
		UPGRADE_VALUE(101, 400, 404) {
			@Override
			String mutate(Head head, Random random) {
				String[][] values = { { "Connection", "keep-alive, Upgrade" }, { "Connection", "Upgrade, close" },
						{ "Connection", "close" }, { "Upgrade", "h2c" }, { "Upgrade", "websocket, h2c" },
						{ "Upgrade", "web socket" }, { "Connection", "Upgrade,,," }, { "Upgrade", "websocket/13" } };
				String[] value = values[random.nextInt(values.length)];
				head.set(value[0], value[1]);
				return value[0] + ": " + value[1];
			}
		},

		/** Bytes before the request line: empty lines (allowed) or garbage. */
		PREFIX(101, 400) {
			@Override
			String mutate(Head head, Random random) {
				String[] prefixes = { "\r\n", "\r\n\r\n", "\n", " ", "\u0016\u0003\u0001", "PRI * HTTP/2.0\r\n\r\n" };
				head.prefix = prefixes[random.nextInt(prefixes.length)];
				return "prefix " + escape(head.prefix);
			}
		},

		/**
		 * Bytes after the head: a WebSocket frame sent early, a pipelined request,
		 * garbage.
		 */
		TRAILING(101, 400) {
			@Override
			String mutate(Head head, Random random) {
				switch (random.nextInt(3)) {
					case 0 ->
						head.suffix = RawWebSocket.clientFrame(true, 0x1, "early".getBytes(StandardCharsets.UTF_8));
					case 1 -> head.suffix = "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
					default -> {
						head.suffix = new byte[1 + random.nextInt(64)];
						random.nextBytes(head.suffix);
					}
				}
				return head.suffix.length + " bytes after the head";
			}
		};

		final Set<Integer> allowed;

		Mutation(int... allowed) {
			this.allowed = new TreeSet<>();
			for (int status : allowed) {
				this.allowed.add(status);
			}
		}

		String apply(Head head, Random random) {
			return name() + ": " + mutate(head, random);
		}

		abstract String mutate(Head head, Random random);

	}

}
