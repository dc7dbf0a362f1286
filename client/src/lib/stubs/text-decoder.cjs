// Stand-in for the `text-decoder` package (pulled in by streamx for `setEncoding`, which Parley
// never calls) on top of the browser's own TextDecoder: drops ~4 kB gzipped (it and `b4a`).
module.exports = class StreamTextDecoder {
  constructor(encoding = 'utf8') {
    this.decoder = new TextDecoder(String(encoding).toLowerCase() === 'utf8' ? 'utf-8' : encoding);
    this.remaining = 0;
  }
  push(data) {
    return typeof data === 'string' ? data : this.decoder.decode(data, { stream: true });
  }
  write(data) {
    return this.push(data);
  }
  end(data) {
    return (data ? this.push(data) : '') + this.decoder.decode();
  }
};
