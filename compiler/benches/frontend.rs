//! Front-end throughput: lexing, parsing (of pre-lexed tokens), both, and formatting, on
//! generated programs of 10k and 100k lines. Figures are recorded in BENCHMARKS.md.

mod generated;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dync_compiler::FileId;
use dync_compiler::format::format;
use dync_compiler::syntax::lexer::lex;
use dync_compiler::syntax::{parse, parse_lexed};

fn frontend(c: &mut Criterion) {
    for lines in [10_000, 100_000] {
        let program = generated::generate(lines);
        let parsed = parse(&program, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "the generated program must parse clean");
        let lexed = lex(&program, FileId(0));
        let mut group = c.benchmark_group(format!("{}k-lines", lines / 1000));
        group.throughput(Throughput::Bytes(program.len() as u64));
        group.sample_size(if lines > 10_000 { 10 } else { 30 });
        group.measurement_time(Duration::from_secs(if lines > 10_000 { 8 } else { 5 }));
        group.bench_function("lex", |b| b.iter(|| lex(black_box(&program), FileId(0))));
        group.bench_function("parse", |b| {
            b.iter_batched(
                || lexed.clone(),
                |tokens| parse_lexed(black_box(&program), FileId(0), tokens),
                criterion::BatchSize::LargeInput,
            )
        });
        group.bench_function("lex+parse", |b| b.iter(|| parse(black_box(&program), FileId(0))));
        group.bench_function("format", |b| b.iter(|| format(black_box(&program), FileId(0))));
        group.finish();
    }
}

criterion_group!(benches, frontend);
criterion_main!(benches);
