package dev.switchboard.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/**
 * A JWKS endpoint and a token for the JWT legs: generates an RSA-2048 key (Nimbus),
 * serves its public half as a JWK set at {@code http://127.0.0.1:P/jwks} and writes one
 * RS256 token signed with it (sub and aud "bench" unless told otherwise, exp now + 24 h,
 * kid of the key) to {@code --token-file}. The gateway fetches the set once and caches
 * it, so what a handshake pays is the token's parse, signature check and claim checks.
 * {@code jwks --port P --token-file F [--sub S] [--aud A] [--ttl-hours H]}; prints
 * {@code JWKS READY P kid=K} once the token is written and the server listens.
 */
final class JwksServer {

	private JwksServer() {
	}

	static void main(String[] args) throws IOException, InterruptedException, JOSEException {
		Opts opts = new Opts(args);
		int port = opts.integer("port", 24380);
		String tokenFile = opts.str("token-file", null);
		if (tokenFile == null) {
			System.err.println("jwks: --token-file FILE is required");
			System.exit(2);
		}
		String subject = opts.str("sub", "bench");
		String audience = opts.str("aud", "bench");
		int ttlHours = opts.integer("ttl-hours", 24);

		RSAKey key = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE)
			.algorithm(JWSAlgorithm.RS256)
			.keyIDFromThumbprint(true)
			.generate();
		Instant now = Instant.now();
		JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject)
			.audience(audience)
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofHours(ttlHours))))
			.build();
		SignedJWT jwt = new SignedJWT(
				new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
				claims);
		jwt.sign(new RSASSASigner(key));
		Path tokenPath = Path.of(tokenFile);
		Path tmp = tokenPath.resolveSibling(tokenPath.getFileName() + ".tmp");
		Files.writeString(tmp, jwt.serialize() + "\n", StandardCharsets.US_ASCII);
		Files.move(tmp, tokenPath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

		byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
		AtomicLong served = new AtomicLong();
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
		server.setExecutor(Executors.newSingleThreadExecutor());
		server.createContext("/jwks", (exchange) -> {
			exchange.getRequestBody().close();
			exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
			exchange.sendResponseHeaders(200, jwks.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(jwks);
			}
			System.out.println("JWKS served (" + served.incrementAndGet() + ")");
		});
		server.start();
		System.out.println("JWKS READY " + port + " kid=" + key.getKeyID());
		Thread.currentThread().join();
	}

}
