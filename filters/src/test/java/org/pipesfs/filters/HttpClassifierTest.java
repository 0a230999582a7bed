package org.pipesfs.filters;

import org.junit.jupiter.api.Test;
import org.pipesfs.filters.decode.PacketView;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP by its first bytes: request methods and responses on TCP, and messages carried on across stream pieces. */
class HttpClassifierTest
{
    private final TestFrames frames = new TestFrames();
    private final PacketView view = new PacketView();
    private final HttpClassifier http = new HttpClassifier();

    private PacketView tcp(final String payload)
    {
        final int length = frames.tcp4(1, 2, 40000, 80, payload);
        return view.decode(frames.frame, 0, length, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
    }

    @Test
    void requestsByMethodAndResponsesByVersion()
    {
        assertThat(http.classify(tcp("GET / HTTP/1.1\r\n\r\n"))).isEqualTo("get");
        assertThat(http.classify(tcp("POST /form HTTP/1.1\r\n\r\n"))).isEqualTo("post");
        assertThat(http.classify(tcp("DELETE /x HTTP/1.1\r\n\r\n"))).isEqualTo("delete");
        assertThat(http.classify(tcp("HTTP/1.1 200 OK\r\n\r\n"))).isEqualTo("response");
        assertThat(http.classify(tcp("GETS / HTTP/1.1\r\n"))).as("the method needs its space").isNull();
        assertThat(http.classify(tcp("get / HTTP/1.1\r\n"))).as("methods are case-sensitive").isNull();
        assertThat(http.classify(tcp("SSH-2.0-OpenSSH\r\n"))).isNull();
        assertThat(http.classify(tcp(""))).as("no payload").isNull();
        assertThat(http.accept(tcp("PUT /a HTTP/1.1\r\n"))).isTrue();
    }

    @Test
    void httpOverUdpIsNotHttp()
    {
        final int length = frames.udp4(1, 2, 40000, 80, "GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        view.decode(frames.frame, 0, length, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
        assertThat(http.classify(view)).isNull();
    }

    @Test
    void underStreamAPieceThatStartsNoMessageContinuesItsFlowsMessage()
    {
        assertThat(http.classify(tcp("GET /split HTTP/1.1\r\n").flow(7))).isEqualTo("get");
        assertThat(http.classify(tcp("Host: split.example\r\n\r\n").flow(7))).as("same flow: still the GET").isEqualTo("get");
        assertThat(http.classify(tcp("Host: other.example\r\n\r\n").flow(8))).as("another flow").isNull();
        assertThat(http.classify(tcp("Host: split.example\r\n\r\n"))).as("not under stream").isNull();
        assertThat(http.classify(tcp("HTTP/1.1 204 No Content\r\n").flow(7))).isEqualTo("response");
        assertThat(http.classify(tcp("more body").flow(7))).isEqualTo("response");
    }

    @Test
    void classesAreNamedAndRunAsStandaloneFilters()
    {
        assertThat(http.isClass("get")).isTrue();
        assertThat(http.isClass("response")).isTrue();
        assertThat(http.isClass("GET")).isFalse();
        assertThat(http.isClass("fetch")).isFalse();
        final Filter get = http.classFilter("get");
        assertThat(get.accept(tcp("GET / HTTP/1.1\r\n"))).isTrue();
        assertThat(get.accept(tcp("POST / HTTP/1.1\r\n"))).isFalse();
        assertThat(http.classFilter("response").accept(tcp("HTTP/1.0 404 Not Found\r\n"))).isTrue();
    }
}
