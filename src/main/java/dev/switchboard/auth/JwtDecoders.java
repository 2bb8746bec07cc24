package dev.switchboard.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * One Spring Security decoder per issuer, key set and audiences, shared by the routes
 * that name the same: each caches its issuer's keys, fetched on first use and again when
 * a token names a key it does not know (key rotation).
 */
final class JwtDecoders {

	private final Map<Key, ReactiveJwtDecoder> decoders = new ConcurrentHashMap<>();

	ReactiveJwtDecoder forRoute(AuthSettings settings) {
		return this.decoders.computeIfAbsent(
				new Key(settings.jwtIssuerUri(), settings.jwtJwkSetUri(), settings.jwtAudiences()), JwtDecoders::build);
	}

	private static ReactiveJwtDecoder build(Key key) {
		NimbusReactiveJwtDecoder decoder = key.jwkSetUri().isEmpty()
				? NimbusReactiveJwtDecoder.withIssuerLocation(key.issuer()).build()
				: NimbusReactiveJwtDecoder.withJwkSetUri(key.jwkSetUri()).build();
		List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
		validators.add(new JwtTimestampValidator());
		if (!key.issuer().isEmpty()) {
			validators.add(new JwtIssuerValidator(key.issuer()));
		}
		if (!key.audiences().isEmpty()) {
			validators.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
					(aud) -> aud != null && aud.stream().anyMatch(key.audiences()::contains)));
		}
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
		return decoder;
	}

	private record Key(String issuer, String jwkSetUri, List<String> audiences) {
	}

}
