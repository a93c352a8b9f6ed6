//! `skylane-viz`: 3D replay of a skylane plan (see [`skylane_viz::cli`]).

fn main() -> std::process::ExitCode {
    skylane_viz::cli::main()
}
