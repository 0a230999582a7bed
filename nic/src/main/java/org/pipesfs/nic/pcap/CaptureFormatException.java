package org.pipesfs.nic.pcap;

/**
 * The one error a capture reader throws: the file is not a capture we can read, or is corrupt
 * at a stated place. The message is a single line meant for the user.
 */
public final class CaptureFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public CaptureFormatException(final String message)
    {
        super(message);
    }
}
