package dev.switchboard.forwarded;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.switchboard.config.SwitchboardProperties;

/** What backends learn about the client: forwarded headers and the original Host. */
@Configuration(proxyBeanMethods = false)
class ForwardedConfiguration {

	@Bean
	ForwardedHeadersFilter switchboardForwardedHeadersFilter(SwitchboardProperties properties) {
		SwitchboardProperties.Forwarded forwarded = properties.getForwarded();
		return new ForwardedHeadersFilter(forwarded.getMode(), TrustedProxies.parse(forwarded.getTrustedProxies()));
	}

	@Bean
	@ConditionalOnProperty(name = "switchboard.forwarded.preserve-host", matchIfMissing = true)
	PreserveHostFilter switchboardPreserveHostFilter() {
		return new PreserveHostFilter();
	}

}
