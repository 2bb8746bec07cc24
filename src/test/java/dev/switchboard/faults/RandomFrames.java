package dev.switchboard.faults;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import dev.switchboard.support.RawWebSocket;

/**
 * Random frame strings a client might send: random bytes, headers with random bits and
 * lengths, valid frames of every opcode, and valid frames cut short. Seeded, so a failing
 * case can be replayed.
 */
final class RandomFrames {

	private static final int[] OPCODES = { 0x0, 0x1, 0x2, 0x8, 0x9, 0xA };

	private RandomFrames() {
	}

	static byte[] next(Random random) {
		return switch (random.nextInt(4)) {
			case 0 -> bytes(random, 1 + random.nextInt(64));
			case 1 -> randomHeader(random);
			case 2 -> validFrame(random);
			default -> {
				byte[] frame = validFrame(random);
				yield Arrays.copyOf(frame, 1 + random.nextInt(frame.length));
			}
		};
	}

	private static byte[] randomHeader(Random random) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.write(random.nextInt(256));
		int form = random.nextInt(3);
		boolean masked = random.nextInt(4) != 0;
		int maskBit = masked ? 0x80 : 0;
		if (form == 0) {
			out.write(maskBit | random.nextInt(126));
		}
		else if (form == 1) {
			out.write(maskBit | 126);
			out.writeBytes(bytes(random, 2));
		}
		else {
			out.write(maskBit | 127);
			out.writeBytes(bytes(random, 8));
		}
		if (masked) {
			out.writeBytes(bytes(random, 4));
		}
		out.writeBytes(bytes(random, random.nextInt(32)));
		return out.toByteArray();
	}

	private static byte[] validFrame(Random random) {
		int opcode = OPCODES[random.nextInt(OPCODES.length)];
		boolean control = opcode >= 0x8;
		byte[] payload = bytes(random, random.nextInt(control ? 126 : 300));
		if (opcode == 0x8 && payload.length >= 2) {
			payload[0] = 0x03;
			payload[1] = (byte) 0xE8;
		}
		return RawWebSocket.clientFrame(control || random.nextBoolean(), opcode, payload);
	}

	private static byte[] bytes(Random random, int length) {
		byte[] bytes = new byte[length];
		random.nextBytes(bytes);
		return bytes;
	}

}
