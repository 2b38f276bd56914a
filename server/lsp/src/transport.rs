//! Framing between the client and the server, with a guard for malformed input.
//!
//! tower-lsp-server stops reading its input after the first message it cannot decode (a body
//! that is not UTF-8, not JSON, or not a JSON-RPC message): one bad message from a client would
//! end the session. So frames are checked here first: good ones go on to the server, bad ones are
//! answered with the JSON-RPC error the specification names, and the server keeps serving.
//! Output frames from the server and from this guard are written whole, never interleaved.

use serde_json::{json, Value};
use std::io::{BufRead, Read};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// The largest message accepted; larger bodies are skipped and answered with an error.
const MAX_MESSAGE_BYTES: usize = 512 * 1024 * 1024;

pub enum Frame {
    Message(Vec<u8>),
    /// A frame that could not be read; the reason is for the error reply.
    Bad(String),
    Eof,
}

/// Reads one frame, blocking: the input is read on a thread of its own ([`guard`]).
pub fn read_frame(reader: &mut impl BufRead) -> Frame {
    let mut len: Option<usize> = None;
    let mut saw_header = false;
    let mut bad_length = None;
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Frame::Eof,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<usize>() {
                    Ok(n) => len = Some(n),
                    Err(_) => bad_length = Some(value.trim().to_string()),
                }
            }
        }
    }
    let Some(len) = len else {
        return Frame::Bad(match bad_length {
            Some(v) => format!("invalid Content-Length {v:?}"),
            None => "missing Content-Length header".into(),
        });
    };
    if len > MAX_MESSAGE_BYTES {
        let mut left = len as u64;
        left -= std::io::copy(&mut reader.take(left), &mut std::io::sink()).unwrap_or(0);
        return if left > 0 {
            Frame::Eof
        } else {
            Frame::Bad(format!(
                "message of {len} bytes is larger than {MAX_MESSAGE_BYTES}"
            ))
        };
    }
    let mut body = vec![0; len];
    match reader.read_exact(&mut body) {
        Ok(_) => Frame::Message(body),
        Err(_) => Frame::Eof,
    }
}

pub fn encode(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_frame(id: Value, code: i64, message: String) -> Vec<u8> {
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    encode(body.to_string().as_bytes())
}

/// `Ok` when the body is a JSON-RPC message the server can take, else the error reply.
pub fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    if let Err(e) = std::str::from_utf8(body) {
        return Err(error_frame(
            Value::Null,
            -32700,
            format!("Parse error: message body is not UTF-8 ({e})"),
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| error_frame(Value::Null, -32700, format!("Parse error: {e}")))?;
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    // The reply names the request only by an id that could be one (JSON-RPC 2.0 §5: null when
    // the id cannot be determined); an object or array sent as `id` is never echoed back.
    let reply_id = match &id {
        Value::Number(_) | Value::String(_) => id.clone(),
        _ => Value::Null,
    };
    let invalid =
        |why: &str| error_frame(reply_id.clone(), -32600, format!("Invalid Request: {why}"));
    let Some(obj) = value.as_object() else {
        return Err(invalid("not a JSON object"));
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("\"jsonrpc\" must be \"2.0\""));
    }
    if !matches!(id, Value::Null | Value::Number(_) | Value::String(_)) {
        return Err(invalid("\"id\" must be a number or a string"));
    }
    match obj.get("method") {
        Some(Value::String(_)) => match obj.get("params") {
            None | Some(Value::Object(_)) | Some(Value::Array(_)) | Some(Value::Null) => Ok(()),
            Some(_) => Err(invalid("\"params\" must be an object or an array")),
        },
        Some(_) => Err(invalid("\"method\" must be a string")),
        None if obj.contains_key("result") || obj.contains_key("error") => {
            if obj.contains_key("id") {
                Ok(())
            } else {
                Err(invalid("a response needs an \"id\""))
            }
        }
        None => Err(invalid("neither a request, a notification nor a response")),
    }
}

/// The queue of whole frames the output thread writes, in the order they are sent.
pub type Output = mpsc::UnboundedSender<Vec<u8>>;

/// A queue for [`guard`]'s output thread; the sender may be cloned for the server, to send
/// frames it serializes itself.
pub fn output() -> (Output, mpsc::UnboundedReceiver<Vec<u8>>) {
    mpsc::unbounded_channel()
}

/// The server's output: whole frames, as the server wrote them, handed to the thread that
/// writes them out (so a frame of the server and an error reply of the guard never interleave).
/// The server writes a frame in as many pieces as it likes; a frame goes out once it is whole.
pub struct FrameSink {
    buf: Vec<u8>,
    frames: Output,
}

impl FrameSink {
    fn new(frames: Output) -> Self {
        Self {
            buf: Vec::new(),
            frames,
        }
    }

    /// Sends on the frames now whole in the buffer.
    fn send_whole(&mut self) -> std::io::Result<()> {
        loop {
            let Some(head_end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                return Ok(());
            };
            let head = String::from_utf8_lossy(&self.buf[..head_end]);
            let len = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            let Some(len) = len else {
                // Not a frame (the server never writes one): dropped, not sent on half-read.
                self.buf.drain(..head_end + 4);
                continue;
            };
            let end = head_end + 4 + len;
            if self.buf.len() < end {
                return Ok(());
            }
            let rest = self.buf.split_off(end);
            let frame = std::mem::replace(&mut self.buf, rest);
            if self.frames.send(frame).is_err() {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
        }
    }
}

impl AsyncWrite for FrameSink {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.buf.extend_from_slice(data);
        std::task::Poll::Ready(self.send_whole().map(|()| data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Runs `serve` (the language server reading `server_in` and writing to a [`FrameSink`])
/// between the real input and output, checking every incoming frame. Frames are read, checked
/// and handed to the server on a thread of their own, and go out from another, written as
/// they come: a message passes no task of the runtime's on its way in (reading the input on the
/// blocking pool, then checking it on a worker, woke two threads per message), and an answer
/// none on its way out.
pub async fn guard<I, O, F, Fut>(
    input: I,
    mut output: O,
    (frames_tx, mut frames_rx): (Output, mpsc::UnboundedReceiver<Vec<u8>>),
    serve: F,
) where
    I: Read + Send + 'static,
    O: std::io::Write + Send + 'static,
    F: FnOnce(tokio::io::DuplexStream, FrameSink) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (to_server, server_in) = tokio::io::duplex(1 << 20);

    // The client closing its end of our output (it crashed or quit) ends the session: nobody
    // would hear anything the server says.
    let (broken_tx, broken_rx) = tokio::sync::oneshot::channel::<()>();
    let writer = std::thread::Builder::new()
        .name("aigis-output".into())
        .spawn(move || {
            while let Some(frame) = frames_rx.blocking_recv() {
                // The end, from `guard` (no frame is empty).
                if frame.is_empty() {
                    break;
                }
                if output.write_all(&frame).is_err() || output.flush().is_err() {
                    let _ = broken_tx.send(());
                    break;
                }
            }
        });
    let writer = match writer {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("no thread for the output: {e}");
            return;
        }
    };

    let closer = frames_tx.clone();
    let sink = FrameSink::new(frames_tx.clone());
    let errors = frames_tx;
    // The reader is left blocked on an input the client keeps open once the session ends (the
    // process exits with it); it stops by itself when the server stops taking frames.
    let runtime = tokio::runtime::Handle::current();
    let reader = std::thread::Builder::new()
        .name("aigis-input".into())
        .spawn(move || {
            let mut reader = std::io::BufReader::new(input);
            let mut to_server = to_server;
            loop {
                match read_frame(&mut reader) {
                    Frame::Message(body) => match check(&body) {
                        Ok(()) => {
                            let frame = encode(&body);
                            if runtime.block_on(to_server.write_all(&frame)).is_err() {
                                break;
                            }
                        }
                        Err(reply) => {
                            tracing::warn!("rejected a malformed message from the client");
                            let _ = errors.send(reply);
                        }
                    },
                    Frame::Bad(why) => {
                        let _ = errors.send(error_frame(
                            Value::Null,
                            -32700,
                            format!("Parse error: {why}"),
                        ));
                    }
                    Frame::Eof => break,
                }
            }
            // End of input: the server sees it too.
            let _ = runtime.block_on(to_server.shutdown());
        });
    if let Err(e) = reader {
        tracing::error!("no thread for the input: {e}");
        let _ = closer.send(Vec::new());
        return;
    }

    tokio::select! {
        _ = serve(server_in, sink) => {}
        Ok(()) = broken_rx => {
            tracing::warn!("the client closed the server's output; stopping");
            return;
        }
    }
    // The server has answered `exit` (or its input ended) and dropped its sink. The writer
    // drains what is queued and ends (background tasks may still hold a sender).
    let _ = closer.send(Vec::new());
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_shape() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"x"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
        for bad in [
            &b"{\"json"[..],
            b"\xff\xfe",
            b"[]",
            br#"{"jsonrpc":"1.0","method":"x"}"#,
            br#"{"jsonrpc":"2.0","id":1}"#,
            br#"{"jsonrpc":"2.0","method":3}"#,
            br#"{"jsonrpc":"2.0","method":"x","params":5}"#,
        ] {
            let reply = check(bad).unwrap_err();
            assert!(String::from_utf8_lossy(&reply).contains("\"error\""));
        }
        // An id that is an object or an array is answered with a null id, never echoed.
        for bad in [
            &br#"{"jsonrpc":"2.0","id":{"x":[1,2]},"method":"m"}"#[..],
            br#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#,
            br#"{"jsonrpc":"2.0","id":true,"method":"m"}"#,
        ] {
            let reply = String::from_utf8(check(bad).unwrap_err()).unwrap();
            let body: Value =
                serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
            assert_eq!(body["id"], Value::Null, "{reply}");
            assert_eq!(body["error"]["code"], -32600);
        }
    }

    /// The server's frames go out whole, however they were written: byte by byte, two in one
    /// write, with a header the sink cannot read dropped rather than sent on.
    #[test]
    fn the_sink_sends_whole_frames() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut sink = FrameSink::new(tx);
        let one = encode(br#"{"jsonrpc":"2.0","method":"a"}"#);
        let two = encode("{\"jsonrpc\":\"2.0\",\"method\":\"é\"}".as_bytes());
        for b in &one {
            sink.buf.push(*b);
            sink.send_whole().unwrap();
        }
        assert_eq!(rx.try_recv().unwrap(), one);
        assert!(rx.try_recv().is_err(), "nothing half-written goes out");
        sink.buf.extend_from_slice(b"X-Junk: 1\r\n\r\n");
        sink.buf.extend_from_slice(&two);
        sink.buf.extend_from_slice(&one);
        sink.buf.extend_from_slice(&two[..5]);
        sink.send_whole().unwrap();
        assert_eq!(rx.try_recv().unwrap(), two);
        assert_eq!(rx.try_recv().unwrap(), one);
        assert!(rx.try_recv().is_err());
        sink.buf.extend_from_slice(&two[5..]);
        sink.send_whole().unwrap();
        assert_eq!(rx.try_recv().unwrap(), two);
        // The writer gone (the client closed our output): the server is told.
        drop(rx);
        sink.buf.extend_from_slice(&one);
        assert!(sink.send_whole().is_err());
    }
}
