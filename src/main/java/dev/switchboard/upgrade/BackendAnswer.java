package dev.switchboard.upgrade;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * A backend's whole answer to a handshake, with the channel it came on. The receiver owns
 * both: it must release the response and either tunnel or close the channel.
 */
public record BackendAnswer(Channel channel, FullHttpResponse response) {
}
