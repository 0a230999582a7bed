package org.pipesfs.nic;

import org.pipesfs.nic.kafka.KafkaSource;
import org.pipesfs.nic.live.LiveSource;
import org.pipesfs.nic.pcap.CaptureFormatException;
import org.pipesfs.nic.pcap.PcapReplaySource;
import org.pipesfs.nic.pcap.PcapStdinSource;
import org.pipesfs.nic.pcap.ReplaySpec;
import org.pipesfs.nic.synthetic.SyntheticSource;
import org.pipesfs.nic.synthetic.SyntheticSpec;

/** Opens the NIC generator a {@code --source} spec names. */
public final class Sources
{
    public static final String USAGE =
        "synthetic[:count=N][:rate=PPS][:seed=S][:size=BYTES], pcap:FILE[:speed=max|1x|Nx][:loop=N], pcap:- (standard input), "
        + "live:IFACE[:promisc=no][:fanout=ID] or kafka:TOPIC[:group=NAME][:from=earliest|latest]";

    private Sources()
    {
    }

    /**
     * @throws IllegalArgumentException with a one-line reason if the spec or its file is unusable.
     */
    public static FrameSource open(final String spec)
    {
        return open(spec, null);
    }

    /** True if {@code spec} names a live capture, as {@link FrameSource#isLive()} of its source says. */
    public static boolean isLive(final String spec)
    {
        return spec.startsWith(LiveSource.PREFIX + ":");
    }

    /**
     * @param kafka the cluster a {@code kafka:} source reads ({@code --kafka HOST:PORT,...}), or null
     * @throws IllegalArgumentException with a one-line reason if the spec or its file is unusable.
     */
    public static FrameSource open(final String spec, final String kafka)
    {
        final String kind = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        try
        {
            return switch (kind)
            {
                case SyntheticSpec.PREFIX -> new SyntheticSource(SyntheticSpec.parse(spec));
                case ReplaySpec.PREFIX -> spec.equals(PcapStdinSource.SPEC)
                    ? new PcapStdinSource() : new PcapReplaySource(ReplaySpec.parse(spec));
                case LiveSource.PREFIX -> new LiveSource(spec);
                case KafkaSource.PREFIX -> new KafkaSource(spec, kafka);
                default -> throw new IllegalArgumentException("unknown source '" + kind + "': use " + USAGE);
            };
        }
        catch (final CaptureFormatException ex)
        {
            throw new IllegalArgumentException(ex.getMessage());
        }
    }
}
