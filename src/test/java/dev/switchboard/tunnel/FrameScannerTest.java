package dev.switchboard.tunnel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frame scanner fed hand-built frames, one array per read, with a target and events
 * that only record. Each read must be fully released once {@code scan} returns: the
 * scanner owns what it is given and the recording target releases the slices it is
 * handed, so a slice kept or released twice fails the test that caused it. Reads are
 * direct buffers because Netty's unpooled allocator tracks leaks only for those (and for
 * what is copied from them, such as a header held back between reads), so the class-wide
 * leak check sees a held-back copy that is never released.
 */
class FrameScannerTest {

	static final long MAX = 1024 * 1024;

	/** A fixed masking key, so the masked bytes on the wire are predictable. */
	static final byte[] MASK_KEY = { (byte) 0x9A, 0x3C, (byte) 0xE1, 0x55 };

	private final List<Relay> relays = new ArrayList<>();

	@AfterEach
	void releasePendingBytes() {
		this.relays.forEach((relay) -> relay.scanner.release());
	}

	// Forwarding

	@Test
	void dataFramesAreForwardedByteForByteMaskedFromClientsUnmaskedFromServers() {
		for (boolean masked : new boolean[] { true, false }) {
			byte[] text = frame(true, Frames.OP_TEXT, masked, ascii("hello"));
			byte[] binary = frame(true, Frames.OP_BINARY, masked, payload(50));
			Relay relay = relayFrom(masked).read(concat(text, binary));
			assertThat(relay.forwarded()).isEqualTo(concat(text, binary));
			assertThat(relay.events.controls).isEmpty();
			assertThat(relay.events.tooBig).isEmpty();
			assertThat(relay.events.protocolErrors).isEmpty();
			assertThat(relay.scanner.atBoundary()).isTrue();
		}
	}

	@Test
	void aFrameSplitInTwoAtEveryPointIsForwardedWholeAndItsHeaderOnlyOnceComplete() {
		for (Length form : Length.values()) {
			for (boolean masked : new boolean[] { false, true }) {
				byte[] frame = frame(true, Frames.OP_BINARY, masked, payload(form.smallest()), form);
				int header = form.headerLength(masked);
				// Every split of the header, and a few in the payload.
				for (int split = 1; split <= header + 3; split++) {
					String as = form + (masked ? " masked" : "") + " split at " + split;
					Relay relay = relayFrom(masked).read(Arrays.copyOf(frame, split));
					assertThat(relay.forwarded().length).as(as).isEqualTo((split < header) ? 0 : split);
					assertThat(relay.scanner.atBoundary()).as(as).isEqualTo(split < header);
					relay.read(Arrays.copyOfRange(frame, split, frame.length));
					assertThat(relay.forwarded()).as(as).isEqualTo(frame);
					assertThat(relay.scanner.atBoundary()).as(as).isTrue();
					assertThat(relay.scanner.messages).as(as).isOne();
					assertThat(relay.scanner.bytes).as(as).isEqualTo(frame.length);
				}
			}
		}
	}

	@Test
	void aSmallFrameSplitInThreeAtEveryPairOfPointsIsForwardedWhole() {
		byte[] frame = frame(true, Frames.OP_TEXT, true, "abc".getBytes(StandardCharsets.US_ASCII));
		int header = 6;
		for (int first = 1; first < frame.length; first++) {
			for (int second = first + 1; second < frame.length; second++) {
				String as = "split at " + first + " and " + second;
				Relay relay = relay().read(Arrays.copyOf(frame, first));
				assertThat(relay.forwarded().length).as(as).isEqualTo((first < header) ? 0 : first);
				relay.read(Arrays.copyOfRange(frame, first, second));
				assertThat(relay.forwarded().length).as(as).isEqualTo((second < header) ? 0 : second);
				relay.read(Arrays.copyOfRange(frame, second, frame.length));
				assertThat(relay.forwarded()).as(as).isEqualTo(frame);
				assertThat(relay.scanner.messages).as(as).isOne();
			}
		}
	}

	@Test
	void anExtendedHeaderSplitInThreeAtEveryPairOfPointsIsHeldUntilWhole() {
		for (Length form : new Length[] { Length.TWO_BYTES, Length.EIGHT_BYTES }) {
			byte[] frame = frame(true, Frames.OP_BINARY, true, payload(form.smallest()), form);
			int header = form.headerLength(true);
			for (int first = 1; first < header; first++) {
				for (int second = first + 1; second <= header; second++) {
					String as = form + " split at " + first + " and " + second;
					Relay relay = relay().read(Arrays.copyOf(frame, first), Arrays.copyOfRange(frame, first, second));
					assertThat(relay.forwarded().length).as(as).isEqualTo((second < header) ? 0 : header);
					relay.read(Arrays.copyOfRange(frame, second, frame.length));
					assertThat(relay.forwarded()).as(as).isEqualTo(frame);
				}
			}
		}
	}

	@Test
	void aControlFrameSplitAtEveryPointIsReportedOnceWholeAndAfterWhatCameBefore() {
		byte[] text = text("before");
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("are you there?"));
		for (int split = 1; split < ping.length; split++) {
			String as = "split at " + split;
			Relay relay = relay().read(concat(text, Arrays.copyOf(ping, split)));
			assertThat(relay.forwarded()).as(as).isEqualTo(text);
			assertThat(relay.events.controls).as(as).isEmpty();
			relay.read(Arrays.copyOfRange(ping, split, ping.length));
			assertThat(relay.events.controls).as(as).hasSize(1);
			assertThat(relay.events.controls.get(0).opcode()).as(as).isEqualTo(Frames.OP_PING);
			assertThat(relay.events.controls.get(0).payload()).as(as).isEqualTo(ascii("are you there?"));
			assertThat(relay.forwarded()).as(as).isEqualTo(concat(text, ping));
		}
	}

	@Test
	void twoByteLengthsAreReadUnsigned() {
		// 65535 is the largest 16-bit length: read as a signed short it would be -1.
		byte[] data = frame(true, Frames.OP_BINARY, false, payload(0xFFFF), Length.TWO_BYTES);
		byte[] ping = frame(true, Frames.OP_PING, false, ascii("next"));
		Relay relay = relayFrom(false).read(concat(data, ping));
		assertThat(relay.events.protocolErrors).isEmpty();
		// The ping is found right after the payload only if the length was read right.
		assertThat(relay.events.controls).singleElement()
			.satisfies((control) -> assertThat(control.payload()).isEqualTo(ascii("next")));
		assertThat(relay.forwarded()).isEqualTo(concat(data, ping));
	}

	@Test
	void eightByteLengthsAreRead() {
		byte[] data = frame(true, Frames.OP_BINARY, true, payload(70_000), Length.EIGHT_BYTES);
		byte[] pong = frame(true, Frames.OP_PONG, true, ascii("after"));
		Relay relay = relay().read(Arrays.copyOf(data, 30_000),
				concat(Arrays.copyOfRange(data, 30_000, data.length), pong));
		assertThat(relay.events.controls).singleElement()
			.satisfies((control) -> assertThat(control.payload()).isEqualTo(ascii("after")));
		assertThat(relay.forwarded()).isEqualTo(concat(data, pong));
	}

	// Control frames

	@Test
	void aControlFrameBetweenFragmentsIsReportedAndForwardedInPlace() {
		byte[] first = frame(false, Frames.OP_TEXT, true, ascii("hel"));
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("ping!"));
		byte[] last = frame(true, Frames.OP_CONTINUATION, true, ascii("lo"));
		Relay relay = relay().read(concat(first, ping, last));
		assertThat(relay.events.controls).singleElement().satisfies((control) -> {
			assertThat(control.opcode()).isEqualTo(Frames.OP_PING);
			assertThat(control.payload()).isEqualTo(ascii("ping!"));
		});
		assertThat(relay.forwarded()).isEqualTo(concat(first, ping, last));
		assertThat(relay.scanner.messages).isOne();
	}

	@Test
	void aControlFrameTheTunnelSwallowsIsNotForwarded() {
		byte[] first = frame(false, Frames.OP_TEXT, false, ascii("hel"));
		byte[] pong = frame(true, Frames.OP_PONG, false, Frames.HEARTBEAT);
		byte[] last = frame(true, Frames.OP_CONTINUATION, false, ascii("lo"));
		Relay relay = relayFrom(false);
		relay.events.forwardControls = false;
		relay.read(concat(first, pong, last));
		assertThat(relay.events.controls).singleElement().satisfies((control) -> {
			assertThat(control.opcode()).isEqualTo(Frames.OP_PONG);
			assertThat(control.payload()).isEqualTo(Frames.HEARTBEAT);
		});
		assertThat(relay.forwarded()).isEqualTo(concat(first, last));
		assertThat(relay.scanner.messages).isOne();
		assertThat(relay.scanner.bytes).isEqualTo(first.length + last.length);
	}

	@Test
	void controlPayloadsReachTheEventsUnmaskedWhetherMaskedOrNot() {
		byte[] close = new byte[] { 0x03, (byte) 0xE8, 'b', 'y', 'e', ' ', 'n', 'o', 'w' };
		Relay client = relayFrom(true)
			.read(concat(frame(true, Frames.OP_PING, true, new byte[0]), frame(true, Frames.OP_CLOSE, true, close)));
		Relay server = relayFrom(false).read(frame(true, Frames.OP_CLOSE, false, close));
		assertThat(client.events.controls).hasSize(2);
		assertThat(client.events.controls.get(0).payload()).isEmpty();
		for (Control control : List.of(client.events.controls.get(1), server.events.controls.get(0))) {
			assertThat(control.opcode()).isEqualTo(Frames.OP_CLOSE);
			assertThat(control.payload()).isEqualTo(close);
			assertThat(Frames.closeCode(control.payload())).isEqualTo(1000);
			assertThat(Frames.closeReason(control.payload())).isEqualTo("bye now");
		}
	}

	@Test
	void aControlFrameOf125BytesIsAccepted() {
		byte[] ping = frame(true, Frames.OP_PING, true, payload(125));
		Relay relay = relay().read(ping);
		assertThat(relay.events.protocolErrors).isEmpty();
		assertThat(relay.events.controls).singleElement()
			.satisfies((control) -> assertThat(control.payload()).isEqualTo(payload(125)));
		assertThat(relay.forwarded()).isEqualTo(ping);
	}

	@Test
	void aControlFrameLongerThan125BytesIsAProtocolError() {
		byte[] text = text("before");
		Relay relay = relay().read(concat(text, frame(true, Frames.OP_PING, true, payload(126)), text("after")));
		assertThat(relay.events.protocolErrors).containsExactly("control frame longer than 125 bytes");
		assertThat(relay.events.controls).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(text);
		assertThat(relay.traffic).containsExactly(new Traffic(1, text.length));
	}

	@Test
	void aLengthWithTheTopBitSetIsAProtocolError() {
		byte[] text = text("before");
		byte[] bad = header(true, Frames.OP_BINARY, false, 0x8000_0000_0000_0005L, Length.EIGHT_BYTES);
		Relay relay = relay().read(concat(text, bad, payload(5)));
		assertThat(relay.events.protocolErrors).containsExactly("frame length with the most significant bit set");
		assertThat(relay.events.tooBig).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(text);
		// The scanner stopped: later reads are released, not forwarded.
		relay.read(text("later"));
		assertThat(relay.forwarded()).isEqualTo(text);
	}

	// Frames no endpoint may send: judged at the header, before any byte of the frame
	// leaves

	@ParameterizedTest(name = "{0}")
	@MethodSource("violations")
	void aFrameNoEndpointMaySendIsRefusedAtItsHeader(String name, boolean fromClient, byte[] frame, String problem) {
		// A new message inside a fragmented one needs the fragment before it.
		boolean fragmentFirst = name.equals("a new message inside one");
		byte[] before = frame(!fragmentFirst, Frames.OP_TEXT, fromClient, ascii("before"));
		Relay relay = relay(MAX, fromClient, 0).read(concat(before, frame));
		assertThat(relay.events.protocolErrors).containsExactly(problem);
		assertThat(relay.forwarded()).as("nothing of the frame left").isEqualTo(before);
	}

	static Stream<Arguments> violations() {
		byte[] rsv1 = text("x");
		rsv1[0] |= 0x40;
		byte[] rsv3 = frame(true, Frames.OP_BINARY, false, payload(3));
		rsv3[0] |= 0x10;
		return Stream.of(
				Arguments.of("unmasked from a client", true, frame(true, Frames.OP_TEXT, false, ascii("x")),
						"unmasked frame from a client"),
				Arguments.of("masked from a server", false, frame(true, Frames.OP_TEXT, true, ascii("x")),
						"masked frame from a server"),
				Arguments.of("reserved data opcode", true, frame(true, 0x3, true, ascii("x")), "reserved opcode 0x3"),
				Arguments.of("reserved control opcode", true, frame(true, 0xB, true, ascii("x")),
						"reserved opcode 0xb"),
				Arguments.of("RSV1 without an extension", true, rsv1,
						"RSV bits 0x4 set without an extension that uses them"),
				Arguments.of("RSV3 without an extension", false, rsv3,
						"RSV bits 0x1 set without an extension that uses them"),
				Arguments.of("fragmented control frame", true, frame(false, Frames.OP_PING, true, ascii("x")),
						"fragmented control frame"),
				Arguments.of("continuation without a message", true,
						frame(true, Frames.OP_CONTINUATION, true, ascii("x")),
						"continuation frame outside a fragmented message"),
				Arguments.of("a new message inside one", true, frame(true, Frames.OP_TEXT, true, ascii("b")),
						"new message before the fragmented one ended"),
				Arguments.of("close code 1005 on the wire", true,
						frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03, (byte) 0xED }),
						"close code 1005 may not be sent"),
				Arguments.of("close code 2000", true,
						frame(true, Frames.OP_CLOSE, true, new byte[] { 0x07, (byte) 0xD0 }),
						"close code 2000 may not be sent"),
				Arguments.of("a one-byte close payload", true, frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03 }),
						"close frame with a one-byte payload"));
	}

	@Test
	void rsv1PassesOnDataFramesWhenPermessageDeflateWasNegotiatedButNeverOnControlFrames() {
		int deflate = Frames.allowedRsv(List.of("permessage-deflate; client_max_window_bits"));
		assertThat(deflate).isEqualTo(0x40);
		byte[] compressed = text("compressed");
		compressed[0] |= 0x40;
		Relay relay = relay(MAX, true, deflate).read(compressed);
		assertThat(relay.events.protocolErrors).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(compressed);
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("p"));
		ping[0] |= 0x40;
		relay.read(ping);
		assertThat(relay.events.protocolErrors).containsExactly("RSV bits 0x4 set without an extension that uses them");
	}

	@Test
	void anExtensionTheGatewayDoesNotKnowMayUseEveryRsvBit() {
		assertThat(Frames.allowedRsv(List.of("x-custom-compress"))).isEqualTo(0x70);
		assertThat(Frames.allowedRsv(List.of())).isZero();
	}

	@Test
	void aFragmentedMessageAndAPartialFrameAreMidFrameUntilTheyEnd() {
		Relay relay = relay();
		assertThat(relay.scanner.midFrame()).isFalse();
		byte[] first = frame(false, Frames.OP_TEXT, true, ascii("hel"));
		relay.read(Arrays.copyOf(first, 3));
		assertThat(relay.scanner.midFrame()).as("a partial header").isTrue();
		relay.read(Arrays.copyOfRange(first, 3, first.length));
		assertThat(relay.scanner.midFrame()).as("between the fragments of a message").isTrue();
		byte[] last = frame(true, Frames.OP_CONTINUATION, true, ascii("lo"));
		relay.read(Arrays.copyOf(last, 7));
		assertThat(relay.scanner.midFrame()).as("in the last fragment's payload").isTrue();
		relay.read(Arrays.copyOfRange(last, 7, last.length));
		assertThat(relay.scanner.midFrame()).isFalse();
	}

	// Message size

	@Test
	void aMessageOfExactlyTheMaximumSizePasses() {
		byte[] frame = frame(true, Frames.OP_BINARY, true, payload(100));
		Relay relay = relay(100).read(frame);
		assertThat(relay.events.tooBig).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(frame);
	}

	@Test
	void aMessageOneByteOverTheMaximumIsRefusedBeforeAnyByteOfItIsForwarded() {
		byte[] text = text("fits");
		Relay relay = relay(100).read(concat(text, frame(true, Frames.OP_BINARY, true, payload(101))));
		assertThat(relay.events.tooBig).containsExactly(101L);
		assertThat(relay.forwarded()).isEqualTo(text);
		assertThat(relay.traffic).containsExactly(new Traffic(1, text.length));
		// Later data frames are dropped, but the sender's answer to the gateway's close
		// is still seen.
		relay.read(text("later"));
		assertThat(relay.forwarded()).isEqualTo(text);
		assertThat(relay.traffic).hasSize(1);
		relay.read(frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03, (byte) 0xE8 }));
		assertThat(relay.events.controls).singleElement()
			.satisfies((control) -> assertThat(control.opcode()).isEqualTo(Frames.OP_CLOSE));
	}

	@Test
	void fragmentsAddUpAcrossContinuationFramesToExactlyTheMaximum() {
		byte[] first = frame(false, Frames.OP_BINARY, true, payload(60));
		byte[] ping = frame(true, Frames.OP_PING, true, payload(50));
		byte[] last = frame(true, Frames.OP_CONTINUATION, true, payload(40));
		Relay relay = relay(100).read(concat(first, ping, last));
		assertThat(relay.events.tooBig).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(concat(first, ping, last));
	}

	@Test
	void aContinuationFramePushingTheMessageOverTheMaximumIsRefusedWhole() {
		byte[] first = frame(false, Frames.OP_BINARY, true, payload(60));
		byte[] ping = frame(true, Frames.OP_PING, true, payload(50));
		byte[] second = frame(false, Frames.OP_CONTINUATION, true, payload(40));
		byte[] over = frame(true, Frames.OP_CONTINUATION, true, payload(1));
		Relay relay = relay(100).read(concat(first, ping, second), over);
		assertThat(relay.events.tooBig).containsExactly(101L);
		assertThat(relay.forwarded()).isEqualTo(concat(first, ping, second));
	}

	@Test
	void eachMessageIsMeasuredOnItsOwn() {
		byte[] first = frame(true, Frames.OP_BINARY, true, payload(60));
		byte[] second = frame(false, Frames.OP_TEXT, true, payload(60));
		byte[] third = frame(true, Frames.OP_CONTINUATION, true, payload(40));
		Relay relay = relay(100).read(concat(first, second, third));
		assertThat(relay.events.tooBig).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(concat(first, second, third));
		assertThat(relay.scanner.messages).isEqualTo(2);
	}

	// Traffic, data seen, boundaries

	@Test
	void theRecorderGetsTheMessagesAndBytesOfEachRead() {
		byte[] a = text("a");
		byte[] b = frame(true, Frames.OP_BINARY, true, payload(10));
		byte[] c1 = frame(false, Frames.OP_TEXT, true, ascii("c1"));
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("p"));
		byte[] c2 = frame(true, Frames.OP_CONTINUATION, true, ascii("c2"));
		Relay relay = relay().read(concat(a, Arrays.copyOf(b, 10)), Arrays.copyOfRange(b, 10, b.length),
				concat(c1, ping, c2));
		// A message counts where its final frame starts; a relayed control frame is
		// bytes, not a message.
		assertThat(relay.traffic).containsExactly(new Traffic(2, a.length + 10), new Traffic(0, b.length - 10),
				new Traffic(1, c1.length + ping.length + c2.length));
		assertThat(relay.scanner.messages).isEqualTo(3);
		assertThat(relay.scanner.bytes).isEqualTo(a.length + b.length + c1.length + ping.length + c2.length);
	}

	@Test
	void aReadThatForwardsNothingRecordsNothing() {
		byte[] text = text("held");
		Relay relay = relay();
		relay.events.forwardControls = false;
		relay.read(frame(true, Frames.OP_PONG, true, Frames.HEARTBEAT), Arrays.copyOf(text, 1));
		assertThat(relay.traffic).isEmpty();
		relay.read(Arrays.copyOfRange(text, 1, text.length));
		assertThat(relay.traffic).containsExactly(new Traffic(1, text.length));
	}

	@Test
	void aDataFrameHeaderIsSeenAsDataUntilTaken() {
		byte[] frame = frame(true, Frames.OP_TEXT, true, ascii("some text"));
		Relay relay = relay();
		assertThat(relay.scanner.takeDataSeen()).isFalse();
		relay.read(Arrays.copyOf(frame, 6));
		assertThat(relay.scanner.takeDataSeen()).isTrue();
		assertThat(relay.scanner.takeDataSeen()).isFalse();
		relay.read(Arrays.copyOfRange(frame, 6, frame.length));
		assertThat(relay.scanner.takeDataSeen()).isFalse();
	}

	@Test
	void controlFramesAndIncompleteHeadersAreNotSeenAsData() {
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("x"));
		byte[] close = frame(true, Frames.OP_CLOSE, true, new byte[0]);
		byte[] partOfAHeader = Arrays.copyOf(frame(true, Frames.OP_TEXT, true, ascii("x")), 5);
		Relay relay = relay().read(ping, close, partOfAHeader);
		assertThat(relay.scanner.takeDataSeen()).isFalse();
	}

	@Test
	void theMiddleOfAPayloadIsNotABoundary() {
		byte[] frame = frame(true, Frames.OP_BINARY, false, payload(20));
		Relay relay = relayFrom(false);
		assertThat(relay.scanner.atBoundary()).isTrue();
		relay.read(Arrays.copyOf(frame, 2));
		assertThat(relay.scanner.atBoundary()).isFalse();
		relay.read(Arrays.copyOfRange(frame, 2, 21));
		assertThat(relay.scanner.atBoundary()).isFalse();
		relay.read(Arrays.copyOfRange(frame, 21, frame.length));
		assertThat(relay.scanner.atBoundary()).isTrue();
	}

	@Test
	void aHeaderHeldBackIsStillABoundary() {
		// Nothing of the frame has left, so the gateway may still slip a frame of its own
		// in before it.
		Relay relay = relay().read(Arrays.copyOf(frame(true, Frames.OP_BINARY, true, payload(20)), 5));
		assertThat(relay.scanner.atBoundary()).isTrue();
		assertThat(relay.forwarded()).isEmpty();
	}

	@Test
	void aHeldFrameIsLetThroughWhereEachDataFrameEnds() {
		byte[] first = frame(true, Frames.OP_BINARY, false, payload(20));
		byte[] empty = frame(true, Frames.OP_TEXT, false, new byte[0]);
		byte[] next = frame(true, Frames.OP_TEXT, false, payload(10));
		Relay relay = relayFrom(false);
		relay.target.holding = true;
		relay.read(Arrays.copyOf(first, 12));
		assertThat(relay.target.boundaries).isEmpty();
		relay.read(concat(Arrays.copyOfRange(first, 12, first.length), empty, Arrays.copyOf(next, 5)));
		// Everything up to each boundary was forwarded before the target was told.
		assertThat(relay.target.boundaries).containsExactly(first.length, first.length + empty.length);
		assertThat(relay.forwarded()).isEqualTo(concat(first, empty, Arrays.copyOf(next, 5)));
	}

	@Test
	void withoutAHeldFrameTheTargetIsNotToldOfBoundaries() {
		Relay relay = relay().read(text("one"), text("two"), frame(true, Frames.OP_TEXT, true, new byte[0]));
		assertThat(relay.target.boundaries).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(concat(text("one"), text("two"), text("")));
	}

	// Rate limits: the frames of one read share one clock reading, so a full bucket is
	// all there is to spend (no refill between the frames of a test)

	@Test
	void theMessageThatGoesOverTheLimitIsRefusedBeforeAnyByteOfItIsForwarded() {
		byte[] three = concat(text("one"), text("two"), text("three"));
		Relay relay = limited(3, 0).read(concat(three, text("four"), text("five")));
		assertThat(relay.events.rateLimited).containsExactly(RateLimit.MESSAGES);
		assertThat(relay.forwarded()).isEqualTo(three);
		assertThat(relay.scanner.messages).isEqualTo(3);
		assertThat(relay.scanner.atBoundary()).as("the other side may get a close frame").isTrue();
		// The scan stopped: nothing this side sends is forwarded any more.
		relay.read(text("six"));
		assertThat(relay.forwarded()).isEqualTo(three);
		assertThat(relay.events.rateLimited).hasSize(1);
	}

	@Test
	void aMessageUpToTheBurstPasses() {
		byte[] three = concat(text("one"), text("two"), text("three"));
		Relay relay = limited(3, 0).read(three);
		assertThat(relay.events.rateLimited).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(three);
	}

	@Test
	void aFragmentedMessageCountsOnceAtItsFirstFrame() {
		byte[] fragmented = concat(frame(false, Frames.OP_TEXT, true, ascii("a")),
				frame(false, Frames.OP_CONTINUATION, true, ascii("b")),
				frame(true, Frames.OP_CONTINUATION, true, ascii("c")));
		byte[] next = text("second message");
		Relay relay = limited(2, 0).read(concat(fragmented, next, frame(false, Frames.OP_BINARY, true, payload(9))));
		assertThat(relay.events.rateLimited).containsExactly(RateLimit.MESSAGES);
		assertThat(relay.forwarded()).isEqualTo(concat(fragmented, next));
	}

	@Test
	void pingsAndPongsCountAsMessages() {
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("ping"));
		byte[] pong = frame(true, Frames.OP_PONG, true, ascii("pong"));
		Relay relay = limited(2, 0).read(concat(ping, pong, ping));
		assertThat(relay.events.rateLimited).containsExactly(RateLimit.MESSAGES);
		assertThat(relay.events.controls).hasSize(2);
		assertThat(relay.forwarded()).isEqualTo(concat(ping, pong));
	}

	@Test
	void aCloseFrameAlwaysPasses() {
		byte[] close = frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03, (byte) 0xE8 });
		Relay relay = limited(1, 1).read(concat(text("x"), close));
		assertThat(relay.events.rateLimited).isEmpty();
		assertThat(relay.forwarded()).isEqualTo(concat(text("x"), close));
	}

	@Test
	void bytesArePayloadBytesOfEveryFrameButCloseFrames() {
		// Headers are not counted: 60 + 30 + 10 payload bytes fill a 100-byte burst.
		byte[] fits = concat(frame(false, Frames.OP_BINARY, true, payload(60)),
				frame(true, Frames.OP_PING, true, payload(30)), frame(true, Frames.OP_CONTINUATION, true, payload(10)),
				frame(true, Frames.OP_TEXT, true, new byte[0]));
		byte[] over = frame(true, Frames.OP_BINARY, true, payload(1));
		Relay relay = limited(0, 100).read(concat(fits, over));
		assertThat(relay.events.rateLimited).containsExactly(RateLimit.BYTES);
		assertThat(relay.forwarded()).isEqualTo(fits);
	}

	@Test
	void aContinuationOverTheByteLimitIsRefusedWhole() {
		byte[] first = frame(false, Frames.OP_BINARY, true, payload(90));
		Relay relay = limited(0, 100).read(concat(first, frame(true, Frames.OP_CONTINUATION, true, payload(11))));
		assertThat(relay.events.rateLimited).containsExactly(RateLimit.BYTES);
		assertThat(relay.forwarded()).isEqualTo(first);
	}

	@Test
	void whileTheGatewayClosesNothingIsChargedAndTheAnswerToItsCloseIsSeen() {
		byte[] close = frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03, (byte) 0xE8 });
		byte[] ping = frame(true, Frames.OP_PING, true, ascii("ping"));
		Relay relay = limited(1, 0);
		relay.scanner.discardData();
		relay.read(concat(text("dropped"), ping, text("dropped"), ping, close));
		assertThat(relay.events.rateLimited).isEmpty();
		assertThat(relay.events.controls).hasSize(3);
	}

	// Discarding data

	@Test
	void afterDiscardDataFramesAreDroppedButACloseFrameStillArrives() {
		byte[] close = frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03, (byte) 0xE8 });
		Relay relay = relay();
		relay.scanner.discardData();
		byte[] big = frame(true, Frames.OP_BINARY, true, payload(300));
		relay.read(concat(text("dropped"), Arrays.copyOf(big, 100)), concat(Arrays.copyOfRange(big, 100, big.length),
				frame(true, Frames.OP_TEXT, true, new byte[0]), close));
		assertThat(relay.events.controls).singleElement().satisfies((control) -> {
			assertThat(control.opcode()).isEqualTo(Frames.OP_CLOSE);
			assertThat(Frames.closeCode(control.payload())).isEqualTo(1000);
		});
		assertThat(relay.forwarded()).isEqualTo(close);
		assertThat(relay.scanner.messages).isZero();
	}

	@Test
	void beforeDiscardTheSameDataFramesAreForwarded() {
		byte[] text = text("kept");
		byte[] close = frame(true, Frames.OP_CLOSE, true, new byte[] { 0x03, (byte) 0xE8 });
		Relay relay = relay().read(concat(text, close));
		assertThat(relay.forwarded()).isEqualTo(concat(text, close));
	}

	@Test
	void aDataFrameHalfForwardedWhenDiscardingStartsIsFinished() {
		// The other side must not be left with a truncated frame before the gateway's
		// close.
		byte[] frame = frame(true, Frames.OP_BINARY, false, payload(40));
		byte[] dropped = frame(true, Frames.OP_TEXT, false, ascii("dropped"));
		Relay relay = relayFrom(false).read(Arrays.copyOf(frame, 20));
		relay.scanner.discardData();
		relay.read(concat(Arrays.copyOfRange(frame, 20, frame.length), dropped));
		assertThat(relay.forwarded()).isEqualTo(frame);
		assertThat(relay.scanner.atBoundary()).isTrue();
	}

	// Frames

	/**
	 * How a frame writes its payload length: in the 7 bits, or in 2 (126) or 8 (127) more
	 * bytes.
	 */
	enum Length {

		SHORT, TWO_BYTES, EIGHT_BYTES;

		int headerLength(boolean masked) {
			int length = switch (this) {
				case SHORT -> 2;
				case TWO_BYTES -> 4;
				case EIGHT_BYTES -> 10;
			};
			return length + (masked ? 4 : 0);
		}

		/** The smallest payload a sender that uses the minimal form writes this way. */
		int smallest() {
			return switch (this) {
				case SHORT -> 5;
				case TWO_BYTES -> 126;
				case EIGHT_BYTES -> 0x10000;
			};
		}

	}

	static byte[] frame(boolean fin, int opcode, boolean masked, byte[] payload) {
		Length form = (payload.length <= 125) ? Length.SHORT
				: (payload.length <= 0xFFFF) ? Length.TWO_BYTES : Length.EIGHT_BYTES;
		return frame(fin, opcode, masked, payload, form);
	}

	static byte[] frame(boolean fin, int opcode, boolean masked, byte[] payload, Length form) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(header(fin, opcode, masked, payload.length, form));
		for (int i = 0; i < payload.length; i++) {
			out.write(masked ? payload[i] ^ MASK_KEY[i & 3] : payload[i]);
		}
		return out.toByteArray();
	}

	static byte[] header(boolean fin, int opcode, boolean masked, long length, Length form) {
		ByteBuffer header = ByteBuffer.allocate(14);
		header.put((byte) ((fin ? 0x80 : 0) | opcode));
		int maskBit = masked ? 0x80 : 0;
		switch (form) {
			case SHORT -> header.put((byte) (maskBit | length));
			case TWO_BYTES -> header.put((byte) (maskBit | 126)).putShort((short) length);
			case EIGHT_BYTES -> header.put((byte) (maskBit | 127)).putLong(length);
		}
		if (masked) {
			header.put(MASK_KEY);
		}
		return Arrays.copyOf(header.array(), header.position());
	}

	/** A masked text frame, as a client sends it. */
	static byte[] text(String text) {
		return frame(true, Frames.OP_TEXT, true, text.getBytes(StandardCharsets.UTF_8));
	}

	static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	/** Bytes that differ from their neighbours, so a shifted or misplaced slice shows. */
	static byte[] payload(int length) {
		byte[] payload = new byte[length];
		for (int i = 0; i < length; i++) {
			payload[i] = (byte) (i * 31 + 7);
		}
		return payload;
	}

	static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	// Fakes

	Relay relay() {
		return relay(MAX);
	}

	Relay relay(long maxMessageSize) {
		return relay(maxMessageSize, true, 0);
	}

	/** A relay of a client's bytes (masked frames) or of a server's (unmasked). */
	Relay relayFrom(boolean client) {
		return relay(MAX, client, 0);
	}

	Relay relay(long maxMessageSize, boolean fromClient, int allowedRsv) {
		return relay(maxMessageSize, fromClient, allowedRsv, null);
	}

	/**
	 * A client's relay held to these limits per second, with a one-second burst (0: off).
	 */
	Relay limited(int messagesPerSecond, long bytesPerSecond) {
		return relay(MAX, true, 0, RateLimit
			.of(TokenBucketTest.limits(messagesPerSecond, bytesPerSecond, Duration.ofSeconds(1)), System.nanoTime()));
	}

	Relay relay(long maxMessageSize, boolean fromClient, int allowedRsv, RateLimit rateLimit) {
		Relay relay = new Relay(maxMessageSize, fromClient, allowedRsv, rateLimit);
		this.relays.add(relay);
		return relay;
	}

	/** A scanner between recording fakes. */
	static final class Relay {

		final RecordingTarget target = new RecordingTarget();

		final RecordingEvents events = new RecordingEvents();

		final List<Traffic> traffic = new ArrayList<>();

		final FrameScanner scanner;

		/**
		 * @param fromClient whether the scanned side is a client (its frames masked) or a
		 * server
		 */
		Relay(long maxMessageSize, boolean fromClient, int allowedRsv, RateLimit rateLimit) {
			this.scanner = new FrameScanner(maxMessageSize, fromClient, allowedRsv, this.events, this.target,
					(messages, bytes) -> this.traffic.add(new Traffic(messages, bytes)), rateLimit);
		}

		/** Scans each array as one read, and checks the scanner let go of it. */
		Relay read(byte[]... reads) {
			for (byte[] bytes : reads) {
				ByteBuf in = UnpooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
				this.scanner.scan(in);
				assertThat(in.refCnt()).as("references left on a scanned read").isZero();
			}
			return this;
		}

		byte[] forwarded() {
			return this.target.forwarded.toByteArray();
		}

	}

	record Traffic(long messages, long bytes) {
	}

	record Control(int opcode, byte[] payload) {
	}

	static final class RecordingTarget implements FrameScanner.Target {

		final ByteArrayOutputStream forwarded = new ByteArrayOutputStream();

		/** How many bytes had been forwarded when each boundary was reported. */
		final List<Integer> boundaries = new ArrayList<>();

		boolean holding;

		@Override
		public void forward(ByteBuf bytes) {
			try {
				this.forwarded.writeBytes(ByteBufUtil.getBytes(bytes));
			}
			finally {
				bytes.release();
			}
		}

		@Override
		public boolean hasHeldFrame() {
			return this.holding;
		}

		@Override
		public void onBoundary() {
			this.boundaries.add(this.forwarded.size());
		}

	}

	static final class RecordingEvents implements FrameScanner.Events {

		final List<Control> controls = new ArrayList<>();

		final List<Long> tooBig = new ArrayList<>();

		final List<String> protocolErrors = new ArrayList<>();

		final List<String> rateLimited = new ArrayList<>();

		boolean forwardControls = true;

		@Override
		public boolean onControlFrame(int opcode, byte[] payload) {
			this.controls.add(new Control(opcode, payload));
			return this.forwardControls;
		}

		@Override
		public void onMessageTooBig(long size) {
			this.tooBig.add(size);
		}

		@Override
		public void onProtocolError(String problem) {
			this.protocolErrors.add(problem);
		}

		@Override
		public void onRateLimited(String setting) {
			this.rateLimited.add(setting);
		}

	}

}
