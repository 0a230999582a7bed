package org.pipesfs.nic;

import org.pipesfs.nic.synthetic.SyntheticSource;
import org.pipesfs.nic.synthetic.SyntheticSpec;

/** Opens the NIC generator a {@code --source} spec names (SPEC §4). */
public final class Sources
{
    private Sources()
    {
    }

    /**
     * @throws IllegalArgumentException with a one-line reason if the spec is unusable.
     */
    public static FrameSource open(final String spec)
    {
        final String kind = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        if (SyntheticSpec.PREFIX.equals(kind))
        {
            return new SyntheticSource(SyntheticSpec.parse(spec));
        }
        throw new IllegalArgumentException("unknown source '" + kind + "': this build supports synthetic[:count=N][:rate=PPS][:seed=S]");
    }
}
